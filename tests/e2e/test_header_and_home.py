"""The header and the home page on every screen: one line of header on a laptop, nothing wider
than a phone's screen, the account menu without JavaScript, and photographs of the home page."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS, Visitor
from tests.e2e.helpers import assert_fits_screen, login

pytestmark = pytest.mark.live

HEADER_ITEMS = ".header-row > *"


def _sized(make_visitor, width: int, locale: str = "ru-RU", javascript: bool = False) -> Visitor:
    visitor = make_visitor(javascript=javascript, locale=locale)
    visitor.page.set_viewport_size({"width": width, "height": 900})
    return visitor


def _header_lines(page) -> int:
    """How many lines the header's items take (items whose boxes start at different heights)."""
    boxes = [item.bounding_box() for item in page.query_selector_all(HEADER_ITEMS)]
    tops: list[float] = []
    for box in sorted((b for b in boxes if b), key=lambda b: b["y"]):
        if not tops or box["y"] >= tops[-1] + box["height"] / 2:
            tops.append(box["y"])
    return len(tops)


def _header_height(page) -> float:
    return page.query_selector(".site-header").bounding_box()["height"]


@pytest.mark.parametrize("locale", ["ru-RU", "en-US"])
@pytest.mark.parametrize("width", [1366, 1440])
@pytest.mark.parametrize("who", [None, "admin", "staff"])
def test_the_header_is_one_line_on_a_laptop(make_visitor, width, locale, who):
    visitor = _sized(make_visitor, width, locale)
    if who:
        login(visitor, who)
    for path in ("/", "/finance/", "/webinars/"):
        visitor.goto(path)
        assert _header_lines(visitor.page) == 1, (path, who, locale)
        assert_fits_screen(visitor.page)


@pytest.mark.parametrize("locale", ["ru-RU", "en-US"])
@pytest.mark.parametrize("width", [320, 390])
@pytest.mark.parametrize("who", [None, "admin"])
def test_the_header_fits_a_phone(make_visitor, width, locale, who):
    visitor = _sized(make_visitor, width, locale)
    if who:
        login(visitor, who)
    page = visitor.page
    visitor.goto("/")
    assert_fits_screen(page)
    # The site's name, the account links with the language, the sections: at most three rows.
    assert _header_lines(page) <= 3
    assert _header_height(page) <= 120
    if who:
        # The account menu opens without JavaScript and stays on the screen.
        page.click(".account-menu summary")
        menu = page.query_selector(".account-menu ul").bounding_box()
        assert menu["x"] >= 0 and menu["x"] + menu["width"] <= width
        assert page.is_visible(".account-menu button:has-text('%s')" % (
            "Выйти" if locale == "ru-RU" else "Log out"))  # fmt: skip


def test_the_admin_pages_fit_a_phone(make_visitor):
    visitor = _sized(make_visitor, 320)
    login(visitor, "admin")
    for path in ("/admin/users", "/manage/jobs", "/readers/"):
        response = visitor.goto(path)
        assert response.status == 200, path
        assert_fits_screen(visitor.page)


@pytest.mark.parametrize("width", [390, 1366])
def test_home_page_photographs(make_visitor, width):
    visitor = _sized(make_visitor, width, javascript=width > 400)
    visitor.goto("/")
    page = visitor.page
    assert page.is_visible("main form[role=search] input[name=q]")
    assert_fits_screen(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"home-{width}.png"), full_page=True)
    assert (ARTIFACTS / f"home-{width}.png").stat().st_size > 0
