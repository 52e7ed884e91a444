"""Builders for knowledge-base tests: topics, approved entries, brochures (through the services)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date
from io import BytesIO

from pypdf import PdfReader

from brochures import services
from brochures.models import Brochure
from finance import services as finance_services
from finance.models import Entry, Topic
from school.models import User

PT_FAMILIES = ("PT-Serif", "PT-Sans")
PARAGRAPH = (
    "Пенсия за время заключения не прекращается: её перечисляют на лицевой счёт осуждённого. "
    "Удержания по исполнительным документам ограничены законом, и на счёт должна поступать "
    "не меньше половины пенсии. "
)


def topic(slug: str = "pensions", title: str = "Пенсии") -> Topic:
    return finance_services.topic_by_slug(slug) or finance_services.create_topic(title, slug)


def reviewer() -> User:
    """A second staff member, who approves what the factories' authors write (four eyes)."""
    from school.services import find_user, register_user
    from tests.conftest import PASSWORD

    return find_user("kb_reviewer") or register_user("kb_reviewer", PASSWORD, role="staff")


def entry(
    user: User,
    slug: str,
    question: str,
    *,
    short_answer: str = "Коротко: да, можно.",
    full_answer: str = PARAGRAPH,
    topics: Sequence[Topic] = (),
    references: Iterable[str] = ("ст. 99 Федерального закона № 229-ФЗ",),
    valid_as_of: date | None = date(2025, 3, 1),
    review_due: date | None = None,
    demo: bool = False,
    language: str = "ru",
) -> Entry:
    """An entry; approved (published) by :func:`reviewer` when ``valid_as_of`` is given, else
    left as a draft."""
    created = finance_services.create_entry(
        user,
        finance_services.EntryInput(
            slug=slug,
            question=question,
            language=language,
            topic_ids=[t.id for t in topics],
            short_answer=short_answer,
            full_answer=full_answer,
            legal_references=list(references),
            demo=demo,
        ),
    )
    if valid_as_of is not None:
        revision = created.open_revision
        finance_services.submit_for_review(user, revision)
        finance_services.approve(reviewer(), revision, valid_as_of, review_due)
    return created


def brochure(
    user: User,
    sections: dict[str, Sequence[Entry]],
    *,
    slug: str = "test-brochure",
    title: str = "Деньги в заключении",
    kind: str = "brochure",
    primary_format: str = "a5",
    paper: str = "a4",
    memo_topic: Topic | None = None,
    introduction: str = "",
) -> Brochure:
    """A brochure (or memo) with the given sections of entries, in order."""
    item = services.create_brochure(
        user,
        services.BrochureInput(
            kind=kind,
            slug=slug,
            title=title,
            subtitle="Ответы на частые вопросы",
            edition_label="Издание 1-е",
            introduction=introduction,
            primary_format=primary_format,
            paper=paper,
            topic_id=memo_topic.id if memo_topic else None,
        ),
    )
    first = True
    for name, entries in sections.items():
        if first:
            section = item.sections[0]
            services.rename_section(section, name)
            first = False
        else:
            section = services.add_section(item, name)
        for e in entries:
            services.add_item(section, e)
    return item


# ------------------------------------------------------------------------------ PDF reading


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in reader(pdf).pages]


def outline(pdf: bytes) -> list[tuple[int, str, int]]:
    """(level, title, 1-based page) of every bookmark."""
    pdf_reader = reader(pdf)
    found: list[tuple[int, str, int]] = []

    def walk(items, level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((level, item.title, pdf_reader.get_destination_page_number(item) + 1))

    walk(pdf_reader.outline, 1)
    return found


def font_sizes(pdf: bytes) -> dict[float, str]:
    """Effective size (pt) of every piece of text drawn, with an example text."""
    sizes: dict[float, str] = {}

    def visit(text, cm, tm, font_dict, font_size) -> None:
        if not text.strip():
            return
        scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
        sizes.setdefault(round(font_size * scale, 2), text.strip()[:40])

    for page in reader(pdf).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def size_pt(pdf: bytes, index: int = 0) -> tuple[float, float]:
    box = reader(pdf).pages[index].mediabox
    return round(float(box.width), 2), round(float(box.height), 2)
