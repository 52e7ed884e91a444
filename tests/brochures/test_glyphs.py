"""A character no bundled font has: staff are told which one, and where, before the build."""

from __future__ import annotations

import logging

import pytest

from brochures import glyphs, services
from tests.finance import factories as f

RUNE = "ᚠ"  # U+16A0: no bundled font has Runic


@pytest.fixture(autouse=True)
def _quiet_weasyprint(caplog):
    caplog.set_level(logging.CRITICAL, logger="weasyprint")


@pytest.fixture
def runic(make_user):
    staff = make_user("staff", username="editor")
    plain = f.entry(staff, "plain", "Как писать имена?", full_answer="Şəhriyar Məmmədov → 王小明")
    odd = f.entry(staff, "odd", "Что значит знак?", full_answer=f"Знак {RUNE} и \ue000.")
    return f.brochure(staff, {"Разное": [plain, odd]}, slug="runic")


def test_unprintable_names_each_character_and_the_answer_it_is_in(runic):
    missing = glyphs.unprintable(services.document_for(runic))
    assert [(m.codepoint, m.places) for m in missing] == [
        ("U+16A0", (("entry", "Что значит знак?"),)),
        ("U+E000", (("entry", "Что значит знак?"),)),
    ]
    assert missing[0].describe() == "U+16A0 RUNIC LETTER FEHU FEOH FE F (ᚠ)"


def test_the_compose_page_warns_staff(runic, login):
    staff = login("staff")
    page = staff.get(f"/brochures/manage/{runic.id}", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert "Some characters have no font and will print as empty boxes:" in text
    assert "U+16A0 RUNIC LETTER FEHU FEOH FE F (ᚠ) has no font" in text
    assert "the answer «Что значит знак?»" in text
    assert "Şəhriyar" not in text.split("empty boxes:")[1].split("</ul>")[0]


def test_the_cli_warns_before_building(app, runic, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["brochures", "build", "runic", "--format", "a4", "-o", str(tmp_path / "r.pdf")]
    )
    assert result.exit_code == 0, result.output
    assert (
        "warning: runic: U+16A0 RUNIC LETTER FEHU FEOH FE F (ᚠ) has no font and prints as an "
        "empty box: answer «Что значит знак?»"
    ) in result.output
    assert (tmp_path / "r.pdf").is_file()
