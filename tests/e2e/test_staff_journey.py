"""A staff member: a reviewed entry, a brochure composed without JavaScript, and its PDFs."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from babel.dates import format_date

from tests.e2e.conftest import unique
from tests.e2e.helpers import (
    download,
    flashes,
    follow,
    h1,
    log_out,
    login,
    pdf_reader,
    squash,
    tr,
)

LOCALE = "ru"
A5 = (419.5, 595.3)
A4_LANDSCAPE = (841.9, 595.3)
CYRILLIC = re.compile(r"[А-Яа-яЁё]{4,}")


def approve_new_entry(visitor, question: str) -> str:
    """Write a draft and send it for review; the admin approves it. Returns the public path."""
    page = visitor.page
    visitor.goto("/finance/manage/")
    follow(page, "main a[href='/finance/manage/entries/new']")
    page.fill("#question", question)
    page.fill("#short_answer", "Да: пенсию можно перечислять на счёт, открытый на ваше имя.")
    page.fill(
        "#full_answer",
        "Пенсия **не прекращается** из-за заключения.\n\n"
        "1. Напишите заявление в Социальный фонд.\n2. Укажите реквизиты своего счёта.",
    )
    page.fill("#legal_references", "Федеральный закон № 400-ФЗ «О страховых пенсиях»")
    page.check("#topic_ids-0")
    page.check("#demo")
    follow(page, "form.form button[type=submit]")
    assert tr(LOCALE, "The entry is saved as a draft.") in flashes(page)
    assert h1(page) == question

    follow(page, "form[action$='/submit'] button")
    assert tr(LOCALE, "Sent for review.") in flashes(page)
    # Four eyes: the author cannot approve; another member of staff (the admin) does.
    assert page.locator("form.approve-form").count() == 0
    entry_page = urlsplit(page.url).path
    log_out(visitor)
    login(visitor, "admin")
    visitor.goto(entry_page)

    page.fill("#valid_as_of", date.today().isoformat())
    follow(page, "form.approve-form button[type=submit]")
    assert tr(LOCALE, "Approved and published.") in flashes(page)
    public = page.locator("main a[href^='/finance/entries/']")
    assert public.count() == 1
    path = public.get_attribute("href")
    log_out(visitor)
    login(visitor, "staff")
    return path


def compose_brochure(visitor, title: str, question: str) -> None:
    """A new A5 brochure: a second section, two entries picked and reordered, an edition."""
    page = visitor.page
    visitor.goto("/brochures/manage/")
    follow(page, "main a[href$='/brochures/manage/new?kind=brochure']")
    page.fill("#title", title)
    page.fill("#slug", unique("broshura-"))
    page.select_option("#primary_format", "a5")
    page.fill("#introduction", "Ответы на вопросы о пенсии для тех, кто в заключении.")
    follow(page, "form.form button[type=submit]")
    assert h1(page) == title

    page.fill("#title", "Пенсия")
    follow(page, "form[action$='/sections'] button[type=submit]")
    sections = page.locator("section.compose-section")
    assert sections.count() >= 2

    # Pick two entries for the first section from the list of those to add: another approved
    # one, then the new one, found by its words.
    def add_to_first_section(row) -> None:
        target = row.locator("select[name=section_id]")
        if target.count():
            target.select_option(index=0)
        follow(page, row.locator("button[type=submit]"))

    other_row = page.locator("#add .compose-items > li").filter(has_not_text=question).first
    other = other_row.locator(".item-title").inner_text()
    add_to_first_section(other_row)
    page.fill("#add-q", question.rsplit("(", 1)[1].rstrip(")"))  # its unique word
    follow(page, "#add form[role=search] button[type=submit]")
    add_to_first_section(page.locator("#add .compose-items > li").filter(has_text=question).first)
    items = page.locator("section.compose-section").first.locator(".compose-items .item-title")
    assert [squash(t) for t in items.all_inner_texts()] == [squash(other), question]

    # Reorder with the plain form buttons: the new entry goes first.
    second = page.locator("section.compose-section").first.locator(".compose-items > li").nth(1)
    follow(page, second.locator("button[name=direction][value=up]"))
    items = page.locator("section.compose-section").first.locator(".compose-items .item-title")
    assert [squash(t) for t in items.all_inner_texts()] == [question, squash(other)]
    visitor.screenshot("journey-brochure-compose")

    page.fill("#label", "Первое издание")
    follow(page, "form[action$='/publish'] button[type=submit]")
    assert tr(LOCALE, "Edition %(number)s is published.", number=1) in flashes(page)


def check_pdfs(visitor, question: str) -> None:
    page = visitor.page
    editions = page.locator("section[aria-labelledby=editions-title]")
    name, data = download(visitor, editions.locator("a[href$='/editions/1/a5.pdf']"))
    assert name.endswith(".pdf")
    a5 = pdf_reader(data)
    for pdf_page in a5.pages:
        box = pdf_page.mediabox
        assert (round(float(box.width), 1), round(float(box.height), 1)) == A5
    text = squash(" ".join(p.extract_text() for p in a5.pages))
    assert question.split(" (")[0] in text.replace("\u00ad", ""), text[:500]

    name, data = download(visitor, editions.locator("a[href$='/editions/1/a5-booklet.pdf']"))
    imposed = pdf_reader(data)
    for pdf_page in imposed.pages:
        box = pdf_page.mediabox
        assert (round(float(box.width), 1), round(float(box.height), 1)) == A4_LANDSCAPE
    # Two A5 pages on each side of an A4 sheet.
    assert len(imposed.pages) * 2 >= len(a5.pages)
    assert CYRILLIC.search(" ".join(p.extract_text() for p in imposed.pages))


def test_staff_reviews_composes_and_prints(visitor):
    page = visitor.page
    login(visitor, "staff")
    question = f"Можно ли получать пенсию на свой счёт из колонии? ({unique('e2e')})"
    entry_path = approve_new_entry(visitor, question)

    # Readers see the approved text with its date.
    visitor.goto(entry_path)
    assert h1(page) == question
    assert format_date(date.today(), "long", locale=LOCALE) in page.inner_text(".as-of")

    title = unique("Пенсия в заключении ")
    compose_brochure(visitor, title, question)
    check_pdfs(visitor, question)

    # The edition is on the public page of the brochure.
    follow(page, "main a[href^='/brochures/']:not([href*='/manage/'])")
    assert h1(page) == title
