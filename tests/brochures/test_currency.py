"""What a brochure claims about the currency of its answers: the oldest check, or the range."""

from __future__ import annotations

from datetime import date

import pytest

from brochures.layout import Document, EntryData, SectionData
from brochures.rendering import checked_text

_ENTRY = {"entry_id": 1, "revision_id": 1, "question": "?", "short_answer": "", "full_answer": ""}
_DOC = {"kind": "brochure", "slug": "b", "title": "T", "edition_date": date(2026, 12, 1)}


def _document(*dates: date | None) -> Document:
    entries = [EntryData(**_ENTRY, slug=f"e{i}", valid_as_of=d) for i, d in enumerate(dates)]
    return Document(**{**_DOC, "sections": [SectionData(title="", entries=entries)]})


@pytest.mark.parametrize(
    ("language", "start", "end", "text"),
    [
        ("ru", date(2026, 2, 2), date(2026, 10, 19), "Проверено с 2 февраля по 19 октября 2026 г."),
        (
            "ru",
            date(2025, 12, 2),
            date(2026, 2, 2),
            "Проверено с 2 декабря 2025 г. по 2 февраля 2026 г.",
        ),
        ("ru", date(2026, 2, 2), date(2026, 2, 2), "Актуально на 2 февраля 2026 г."),
        ("en", date(2026, 2, 2), date(2026, 10, 19), "Checked from February 2 to October 19, 2026"),
        ("en", date(2026, 2, 2), None, "Valid as of February 2, 2026"),
    ],
)  # fmt: skip
def test_one_date_or_the_range_in_the_documents_language(app, language, start, end, text):
    with app.test_request_context():
        from flask_babel import force_locale

        with force_locale(language):
            # Babel keeps "г." on the line of its year with a narrow no-break space.
            assert checked_text(start, end, language).replace("\u202f", " ") == text


def test_a_document_is_valid_as_of_its_oldest_entry_not_its_newest():
    doc = _document(date(2026, 10, 19), None, date(2026, 2, 2), date(2026, 5, 1))
    assert doc.checked == (date(2026, 2, 2), date(2026, 10, 19))
    assert doc.valid_as_of == date(2026, 2, 2)
    undated = _document(None)
    assert undated.checked == (undated.edition_date, undated.edition_date)
