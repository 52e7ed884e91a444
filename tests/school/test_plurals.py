"""Russian that counts like a person: every number that meets a noun goes through ngettext, and
every Russian plural has its three forms (1 место, 2 места, 5 мест).

The check reads the catalogs: a message that is not a plural may only format placeholders that
are not counts. Those are named below (a reviewed list: names, dates, codes, numbers that
identify rather than count, sizes with a unit sign), and any other placeholder, such as
``%(count)s`` or one nobody has named yet, fails the test until its message is a plural.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from school import catalogs

# Placeholders that never count things: text, dates and times, identifying numbers (a revision,
# an edition, a question's number, a line, a page "2 of 5", a place in a queue), percentages,
# scores "3 of 5", and sizes with a unit sign (MB, KB), which do not inflect.
NOT_COUNTS = frozenset(
    [
        "allowed",
        "category",
        "character",
        "code",
        "course",
        "date",
        "detail",
        "difference",
        "end",
        "end_date",
        "error",
        "event",
        "example",
        "file",
        "files",
        "high",
        "item",
        "key",
        "kind",
        "label",
        "line",
        "list",
        "low",
        "mark",
        "marks",
        "max",
        "message",
        "method",
        "module",
        "n",
        "name",
        "names",
        "new",
        "number",
        "old",
        "page",
        "pages",
        "parts",
        "path",
        "percent",
        "places",
        "position",
        "query",
        "question",
        "quiz",
        "reason",
        "reference",
        "score",
        "series",
        "site",
        "size",
        "size_kb",
        "limit_kb",
        "limit_mb",
        "slug",
        "start",
        "text",
        "time",
        "title",
        "type",
        "url",
        "viewer",
        "weight",
        "when",
        "where",
        "zone",
    ]
)
# Messages whose placeholder is named like a count but is not one.
NOT_COUNTS_IN = {
    "The item «%(left)s» appears twice.": {"left"},  # the text of a matching item
    "The positive weights must add up to 100%% (now %(total)s%%).": {"total"},  # a percentage
    # Limits with a unit sign, which does not inflect: "не больше 5 МБ", "2 млн пикселей".
    "The file is %(size)s MB; the limit is %(limit)s MB.": {"limit"},
    "The text is %(size)s KB; the limit is %(limit)s KB. Split it into two lessons.": {"limit"},
    "The file is larger than %(limit)s KB.": {"limit"},
    "The image has more than %(limit)s million pixels. Make it smaller and upload it again.": {
        "limit"
    },
    # "экз." (copies) does not inflect; "г/м²" and "мм" are unit signs.
    "The print run of %(copies)s copies is logged.": {"copies"},
    "Print run %(copies)s copies.": {"copies"},
    "Printed so far: %(copies)s copies of all editions.": {"copies"},
    "Coated paper, %(grams)s g/m²": {"grams"},
    "Offset paper, %(grams)s g/m²": {"grams"},
    "Perfect binding, spine %(mm)s mm": {"mm"},
    # Counts after a label ("попыток 3", "отправлено 5", "чистых в конце: 2"): no noun to inflect.
    "In all: %(copies)s copies printed, %(sent)s sent.": {"copies", "sent"},
    "Now: time limit %(time)s, attempts %(attempts)s, closes %(closes)s.": {"attempts", "closes"},
    "%(pages)s pages, of which %(blanks)s blank at the end": {"blanks"},
    # Fixed limits of the synonym list, both above four: the genitive plural always fits.
    "Line %(line)s is too long: at most %(phrases)s phrases of %(chars)s characters.": {
        "phrases",
        "chars",
    },
    "Nothing was found for “%(query)s”. Showing the answers for “%(suggestion)s”.": {"suggestion"},
    "Format %(format)s.": {"format"},
    "Paper: %(paper)s.": {"paper"},
    "Printed by %(house)s.": {"house"},
    "PDF/X-4, output intent %(profile)s": {"profile"},
    "Key id: %(id)s": {"id"},
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _messages():
    for package in catalogs.PACKAGES:
        path = catalogs.po_path(package, "ru")
        with path.open("rb") as handle:
            yield from (
                (package, message) for message in read_po(handle, locale="ru") if message.id
            )


def test_no_count_is_formatted_outside_ngettext():
    found = []
    for package, message in _messages():
        if isinstance(message.id, tuple):
            continue
        names = set(PLACEHOLDER.findall(message.id))
        counts = names - NOT_COUNTS - NOT_COUNTS_IN.get(message.id, set())
        if counts:
            found.append(f"{package}: {message.id!r} formats {sorted(counts)}")
    assert not found, "counts outside ngettext:\n" + "\n".join(found)


def test_every_russian_plural_has_its_three_forms():
    plurals = [(p, m) for p, m in _messages() if isinstance(m.id, tuple)]
    assert {p for p, _m in plurals} >= {"school", "webinars", "courses", "quizzes", "finance"}
    for package, message in plurals:
        forms = message.string
        assert len(forms) == 3 and all(forms), (package, message.id)
        wanted = set(PLACEHOLDER.findall(message.id[1]))
        for form in forms:  # every form shows what the English plural shows (21 is "one")
            assert set(PLACEHOLDER.findall(form)) == wanted, (package, message.id, form)


@pytest.mark.parametrize(
    ("places", "text"),
    [
        (1, "Осталось 1 место из 1"),
        (2, "Осталось 2 места из 2"),
        (5, "Осталось 5 мест из 5"),
        (11, "Осталось 11 мест из 11"),
        (21, "Осталось 21 место из 21"),
        (24, "Осталось 24 места из 24"),
    ],
)
def test_places_agree_with_their_number(client, make_user, places, text):
    from tests.webinars.test_services import make_webinar

    make_webinar(make_user("instructor"), capacity=places)
    html = client.get("/webinars/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert text in " ".join(html.replace("\xa0", " ").replace("&nbsp;", " ").split())
