"""A generated knowledge base: thousands of approved Russian entries varied from the demo ones.

The text is the demo entries' own, with some Russian words swapped for others drawn from the
same texts (by frequency), so the vocabulary, lengths and Markdown look like real entries while
every entry differs. Entries go in through the brochures service that imports bundles, so the
search index holds exactly the rows the real path writes.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from finance.bundle import BundleEntry

PREFIX = "bench-"

# Long enough to be a content word: swapping short words ("в", "и", "не") would make noise.
_WORD = re.compile(r"[А-Яа-яЁё]{4,}")
_LAST_DEMO_DATE = date(2026, 1, 1)

#: Searches people type: topics of the demo content in everyday words, some inflected or misspelt.
QUERIES: tuple[str, ...] = (
    "пенсия",
    "пенсия в колонии",
    "как получать пенсию в заключении",
    "пенсия по потере кормильца",
    "пенсионный возраст наступил в колонии",
    "удержания из пенсии",
    "удержания из зарплаты в колонии",
    "сколько могут удержать из зарплаты",
    "незаконные удержания",
    "алименты",
    "алименты из колонии",
    "долг по алиментам",
    "как получать алименты на ребенка",
    "лишили родительских прав алименты",
    "кредит",
    "кредит умершего мужа",
    "потребительский кредит в заключении",
    "оформили кредит без меня",
    "коллекторы",
    "банкротство",
    "банкротство из колонии",
    "долги после освобождения",
    "старые долги срок давности",
    "приставы",
    "приставы списали пособие с карты",
    "запрет выезда за границу долги",
    "водительские права долги",
    "банковская карта",
    "счета и карты в заключении",
    "перевести деньги в колонию",
    "отправить деньги родственнику в СИЗО",
    "квартира",
    "платить за квартиру в заключении",
    "коммунальные платежи",
    "субсидия на оплату жилья",
    "муниципальная квартира отберут",
    "вода и вывоз мусора перерасчет",
    "налог на квартиру и машину",
    "налоги",
    "машина пока отбываю наказание",
    "наследство",
    "принять наследство в колонии",
    "доверенность на родственника",
    "доверенность в колонии",
    "паспорт в колонии",
    "замена паспорта",
    "справка об отбывании наказания",
    "пособие на ребенка",
    "выплаты ребенку родитель в заключении",
    "опекун выплаты",
    "иск потерпевшего",
    "выплатить иск по приговору",
    "лицевой счет осужденного",
    "ГК РФ ст. 1175",
    "229-ФЗ",
    "жилищный кодекс",
    "пенсия сизо карта родные",
    "кредиты долги банки",
    "семья осужденного",
    "детское пособие",
    "ипотека",
    "займ микрофинансовая организация",
)


def demo_entries() -> list[BundleEntry]:
    """The approved demo entries (brochures/demo), the material the generated ones vary."""
    from finance.bundle import read_directory
    from finance.seed import DEMO_DIR

    return [e for e in read_directory(DEMO_DIR).entries if e.status == "approved"]


def _vary(text: str, words: Sequence[str], rng: random.Random, rate: float) -> str:
    def swap(match: re.Match[str]) -> str:
        if rng.random() >= rate:
            return match[0]
        word = rng.choice(words)
        return word.capitalize() if match[0][0].isupper() else word.lower()

    return _WORD.sub(swap, text)


def generate_entries(
    count: int, base: Sequence[BundleEntry], seed: int = 2026
) -> list[BundleEntry]:
    """``count`` approved entries, each a varied copy of a base entry; the same for a seed."""
    if not base:
        raise ValueError("no base entries to vary")
    rng = random.Random(seed)
    corpus = " ".join(
        " ".join((e.question, e.short_answer, e.full_answer, *e.legal_references)) for e in base
    )
    words = _WORD.findall(corpus)
    entries = []
    for number in range(1, count + 1):
        source = base[(number - 1) % len(base)]
        donor = rng.choice(base)
        paragraphs = source.full_answer.split("\n\n")
        # One paragraph of another entry, so entries differ in more than swapped words.
        extra = rng.choice(donor.full_answer.split("\n\n"))
        paragraphs.insert(rng.randrange(len(paragraphs) + 1), extra)
        entries.append(
            replace(
                source,
                slug=f"{PREFIX}{number:05d}-{source.slug}"[:120],
                question=_vary(source.question, words, rng, 0.25)[:300],
                short_answer=_vary(source.short_answer, words, rng, 0.15),
                full_answer=_vary("\n\n".join(paragraphs), words, rng, 0.1),
                valid_as_of=source.valid_as_of or _LAST_DEMO_DATE,
                review_due=None,
                status="approved",
                demo=True,
                source=f"generated/{number}",
            )
        )
    return entries


def load(entries: Sequence[BundleEntry], batch: int = 500) -> None:
    """Import entries as approved by the demo staff member (app context; topics must exist)."""
    from sqlalchemy import select

    from finance import services
    from finance.bundle import Bundle
    from school.extensions import db
    from school.models import User

    reviewer = db.session.scalar(select(User).where(User.username == "staff"))
    for start in range(0, len(entries), batch):
        chunk = list(entries[start : start + batch])
        services.import_bundle(reviewer, Bundle(entries=chunk), reviewer=reviewer)
        # The session would otherwise keep every imported object alive.
        db.session.expunge_all()
