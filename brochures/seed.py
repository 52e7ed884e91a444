"""Demonstration content: brochures and memos with editions, made of the demo entries.

The entries and topics themselves are the knowledge base's (``finance/seed.py``), loaded first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from brochures import services
from brochures.layout import Imprint
from brochures.models import Brochure, Kind
from finance import services as finance
from school.extensions import db

EDITION = "Демонстрационное издание, 2026"
# The first demo brochure's imprint and print runs (a made-up printing house).
DEMO_HOUSE = "Типография «Пример» (вымышленная), Пермь"
DEMO_IMPRINT = Imprint(
    print_run=5000,
    printing_house=DEMO_HOUSE,
    order_number="Д-0001",
    format="60×84/16",
    paper="офсетная, 80 г/м²",
    signed_on=date(2026, 11, 20),
)
DEMO_PRINT_RUNS = (
    services.PrintRunInput(
        printed_on=date(2026, 11, 25),
        copies=3000,
        printing_house=DEMO_HOUSE,
        sent=[("Пермский край", 1200), ("Республика Коми", 800)],
    ),
    services.PrintRunInput(
        printed_on=date(2026, 12, 2),
        copies=2000,
        printing_house=DEMO_HOUSE,
        sent=[("Свердловская область", 900)],
    ),
)
INTRODUCTION = (
    "Эта брошюра отвечает на вопросы о деньгах, которые чаще всего задают люди в заключении "
    "и их родственники. Каждый ответ начинается с короткого ответа в рамке, затем объясняет "
    "подробности и называет законы, на которых он основан.\n\n"
    "**Это демонстрационные материалы, а не юридическая консультация.** С вашим вопросом "
    "обращайтесь к юристам фонда: напишите письмо или попросите родственников связаться с нами."
)


@dataclass(frozen=True)
class DemoDocument:
    slug: str
    title: str
    subtitle: str
    topics: tuple[str, ...]
    kind: str = Kind.BROCHURE.value
    primary_format: str = "a5"
    paper: str = "a4"
    per_topic: int | None = None


DOCUMENTS = (
    DemoDocument(
        "money-family-pension",
        "Деньги в заключении",
        "Жильё, алименты, пенсия и удержания: ответы на частые вопросы",
        ("housing", "alimony", "pensions", "deductions"),
        primary_format="a5",
    ),
    DemoDocument(
        "debts-loans-banks",
        "Долги, кредиты и банки",
        "Что делать с долгами, картами и налогами во время заключения и после освобождения",
        ("loans", "banking", "taxes", "after-release"),
        primary_format="a4",
    ),
    DemoDocument(
        "money-large-print",
        "Главное о деньгах",
        "Крупный шрифт: документы, доверенности и пособия",
        ("documents", "benefits"),
        primary_format="large",
        per_topic=3,
    ),
    DemoDocument(
        "memo-pension",
        "Памятка: пенсия в заключении",
        "Как получать пенсию в СИЗО и колонии",
        ("pensions",),
        kind=Kind.MEMO.value,
        primary_format="memo",
        paper="a5",
        per_topic=4,
    ),
    DemoDocument(
        "memo-deductions",
        "Памятка: удержания из зарплаты и пенсии",
        "Что и сколько могут удержать — и что делать, если удерживают лишнее",
        ("deductions",),
        kind=Kind.MEMO.value,
        primary_format="memo",
        paper="a4",
        per_topic=6,
    ),
)


def seed(users: dict, log: Callable[[str], None]) -> None:
    """Brochures and memos of the demo topics, each with a published edition."""
    if db.session.scalar(select(func.count(Brochure.id))):
        log("  brochures: already loaded")
        return
    reviewer = users.get("staff") or users.get("admin")
    printed: list = []  # the one edition with an imprint and print runs
    for spec in DOCUMENTS:
        brochure = _create(spec, reviewer)
        if brochure is None:
            continue
        first = spec.kind == Kind.BROCHURE.value and not printed
        imprint = DEMO_IMPRINT if first else None
        edition = services.publish_edition(reviewer, brochure, EDITION, imprint=imprint)
        log(f"  {spec.kind} {spec.slug}: {len(_entries(edition))} entries")
        if first:
            for run in DEMO_PRINT_RUNS:
                services.add_print_run(edition, run)
            printed.append(edition)
            log(f"  {spec.slug}: imprint, 2 print runs, check code {edition.check_code}")


def _entries(edition) -> list:
    return [e for s in edition.document["sections"] for e in s["entries"]]


def _create(spec: DemoDocument, user) -> Brochure | None:
    topics = [t for slug in spec.topics if (t := finance.topic_by_slug(slug)) is not None]
    if not topics:
        return None
    data = services.BrochureInput(
        kind=spec.kind,
        slug=spec.slug,
        title=spec.title,
        subtitle=spec.subtitle,
        edition_label=EDITION,
        language="ru",
        introduction=INTRODUCTION if spec.kind == Kind.BROCHURE.value else "",
        primary_format=spec.primary_format,
        paper=spec.paper,
        topic_id=topics[0].id,
    )
    brochure = services.create_brochure(user, data)
    first = brochure.sections[0]
    for index, topic in enumerate(topics):
        if spec.kind == Kind.MEMO.value:
            section = first
        elif index == 0:
            section = first
            services.rename_section(section, topic.title)
        else:
            section = services.add_section(brochure, topic.title)
        for entry in services.addable_entries(brochure):
            if spec.per_topic is not None and len(section.items) >= spec.per_topic:
                break
            if topic in entry.topics:
                services.add_item(section, entry)
    return brochure
