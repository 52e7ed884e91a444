"""Press files (``brochures build --press``), read back with pikepdf."""

from __future__ import annotations

import hashlib
import io
from datetime import date

import pikepdf
import pytest

from brochures import press, services
from tests.finance import factories as f

MM = 72 / 25.4
RGB_OPERATORS = {"rg", "RG"}


@pytest.fixture
def docs(make_user):
    staff = make_user("staff")
    questions = {"pension": "Как получать пенсию?", "cut": "Что удерживают из пенсии?"}
    entries = [f.entry(staff, slug, question) for slug, question in questions.items()]
    return {"staff": staff, "brochure": f.brochure(staff, {"Пенсия": entries}, slug="money")}


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["brochures", *args])


def open_pdf(path) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(path.read_bytes()))


def streams(pdf: pikepdf.Pdf):
    """Every content stream: each page's and each form XObject's, however deep."""
    seen = set()

    def forms(resources):
        for item in (resources.get("/XObject") or {}).values() if resources else ():
            if item.objgen in seen:
                continue
            seen.add(item.objgen)
            if item.get("/Subtype") == "/Form":
                yield item
                yield from forms(item.get("/Resources"))
            elif item.get("/Subtype") == "/Image":
                images.append(item)

    images: list = []
    for page in pdf.pages:
        yield page, images
        yield from ((form, images) for form in forms(page.get("/Resources")))


def colour_report(pdf: pikepdf.Pdf) -> tuple[set[str], list, list]:
    operators, fills, image_spaces = set(), [], []
    for owner, images in streams(pdf):
        for instruction in pikepdf.parse_content_stream(owner):
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                continue
            op = str(instruction.operator)
            operators.add(op)
            if op in {"k", "K"} or (
                op in {"sc", "scn", "SC", "SCN"} and len(instruction.operands) == 4
            ):
                fills.append([float(v) for v in instruction.operands])
        image_spaces = [str(image.get("/ColorSpace")) for image in images]
    return operators, fills, image_spaces


def box(page, name) -> list[float]:
    return [round(float(v), 2) for v in page[name]]


def assert_press_file(pdf: pikepdf.Pdf, trim_mm: tuple[float, float], *, bleed: bool = True):
    assert pdf.Root.OutputIntents[0].S == "/GTS_PDFX"
    intent = pdf.Root.OutputIntents[0]
    assert str(intent.OutputConditionIdentifier) == "FOGRA39"
    assert intent.DestOutputProfile.N == 4  # a CMYK profile, embedded
    assert "PDF/X-4" in str(pdf.open_metadata().get("pdfxid:GTS_PDFXVersion"))
    operators, fills, image_spaces = colour_report(pdf)
    assert not operators & RGB_OPERATORS
    assert not any("RGB" in space for space in image_spaces)
    assert all(c == m == y == 0 for c, m, y, _ in fills)  # K only
    for page in pdf.pages:
        assert "/Annots" not in page
        trim = box(page, "/TrimBox")
        assert (round(trim[2] - trim[0], 1), round(trim[3] - trim[1], 1)) == (
            round(trim_mm[0] * MM, 1),
            round(trim_mm[1] * MM, 1),
        )
        if bleed:
            media, bleed_box = box(page, "/MediaBox"), box(page, "/BleedBox")
            assert round(trim[0] - media[0], 1) == round(3 * MM, 1)
            assert bleed_box == media


def crop_mark_strokes(pdf: pikepdf.Pdf) -> int:
    """Stroked paths of the form the first page draws first: the engine's crop marks."""
    page = pdf.pages[0]
    first = next(i for i in pikepdf.parse_content_stream(page) if str(i.operator) == "Do")
    marks = page.Resources.XObject[first.operands[0]]
    ops = [str(i.operator) for i in pikepdf.parse_content_stream(marks)]
    assert "K" in ops  # stroked in black alone
    return sum(ops.count(op) for op in ("S", "B"))


def test_press_files_of_an_a5_brochure(app, docs, tmp_path):
    out = tmp_path / "press"
    result = run(
        app, "build", "money", "--format", "a5", "--press", "--copies", "5000", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "money-a5-press-cover.pdf",
        "money-a5-press-interior.pdf",
        "money-a5-press-sheet.pdf",
    ]  # 2 entries: far below 64 pages, stapled, no spine

    interior = open_pdf(out / "money-a5-press-interior.pdf")
    assert len(interior.pages) % 4 == 0
    assert_press_file(interior, (148, 210))
    assert crop_mark_strokes(interior) >= 8
    text = " ".join(f.page_texts((out / "money-a5-press-interior.pdf").read_bytes()))
    assert "Как получать пенсию?" in text
    # The cover is not in the interior: the back cover's "free of charge" closes the cover.
    assert "Как получать пенсию?" not in " ".join(
        f.page_texts((out / "money-a5-press-cover.pdf").read_bytes())
    )
    # Mirrored margins: the text block sits further from the fold on a left than on a right
    # page. Compare the first text of page 3 (right) and page 4 (left) against the trim box.
    cover = open_pdf(out / "money-a5-press-cover.pdf")
    assert len(cover.pages) == 4
    assert_press_file(cover, (148, 210))

    sheet_bytes = (out / "money-a5-press-sheet.pdf").read_bytes()
    sheet_text = " ".join(f.page_texts(sheet_bytes))
    assert len(open_pdf(out / "money-a5-press-sheet.pdf").pages) == 1
    assert "148 × 210" in sheet_text and "5000" in sheet_text
    assert f"{len(interior.pages)}" in sheet_text


def test_mirrored_margins(app, docs):
    css = press.press_css("a5")
    assert "@page a5:left { margin-left: 12mm; margin-right: 17mm; }" in css
    assert "@page a5:right { margin-left: 17mm; margin-right: 12mm; }" in css


def test_a_long_brochure_is_perfect_bound_with_a_spine(app, docs, tmp_path, monkeypatch):
    monkeypatch.setattr(press, "SADDLE_STITCH_MAX_PAGES", 2)
    out = tmp_path / "press"
    result = run(app, "build", "money", "--format", "large", "--press", "-o", str(out))
    assert result.exit_code == 0, result.output
    interior = open_pdf(out / "money-large-press-interior.pdf")
    pages = len(interior.pages)
    assert pages % 4 == 0 and pages > 2
    spine = open_pdf(out / "money-large-press-spine.pdf")
    assert len(spine.pages) == 1
    trim = box(spine.pages[0], "/TrimBox")
    width_mm = (trim[2] - trim[0]) / MM
    assert round(width_mm, 1) == press.spine_width_mm(pages, press.PAPERS["offset-80"])
    assert_press_file(spine, (width_mm, 297), bleed=False)
    assert len(open_pdf(out / "money-large-press-cover.pdf").pages) == 4


def test_an_edition_stores_its_press_files_once(app, docs, tmp_path):
    edition = services.publish_edition(docs["staff"], docs["brochure"], "Издание 1")
    out = tmp_path / "press"
    assert run(app, "build", "money", "--format", "a4", "--press", "-o", str(out)).exit_code == 0
    first = (out / "money-a4-press-interior.pdf").read_bytes()
    from brochures.services import press as press_service

    stored = press_service.press_files(edition, "a4")
    assert set(stored) == {"interior", "cover", "sheet"}
    assert services.edition_file_data(stored["interior"]) == first
    assert_press_file(pikepdf.open(io.BytesIO(first)), (210, 297))
    again = tmp_path / "again"
    assert run(app, "build", "money", "--format", "a4", "--press", "-o", str(again)).exit_code == 0
    assert (again / "money-a4-press-interior.pdf").read_bytes() == first


def test_office_files_stay_as_they_are(app, docs, tmp_path):
    target = tmp_path / "money.pdf"
    assert run(app, "build", "money", "--format", "a5", "-o", str(target)).exit_code == 0
    pdf = open_pdf(target)
    assert "/OutputIntents" not in pdf.Root
    assert "/TrimBox" not in pdf.pages[0] or box(pdf.pages[0], "/TrimBox") == box(
        pdf.pages[0], "/MediaBox"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--press", "-o", "x"], "--press builds one brochure"),
        (["money", "--press", "--impose", "-o", "x"], "--press builds one brochure"),
        (["money", "--press", "-o", "x.pdf"], "is not a directory"),
    ],
)
def test_press_refuses_bad_arguments(app, docs, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.pdf").write_bytes(b"")
    result = run(app, "build", *args)
    assert result.exit_code != 0
    assert message in result.output


def test_colours_and_pictures_become_cmyk_or_grey(tmp_path):
    from PIL import Image

    from school import printing

    static = tmp_path / "static"
    (static / "print").mkdir(parents=True)
    (static / press.PROFILE_PATH).write_bytes(
        (printing.STATIC_DIR / press.PROFILE_PATH).read_bytes()
    )
    Image.new("RGB", (8, 8), (200, 30, 30)).save(static / "red.png")
    Image.new("RGB", (8, 8), (90, 90, 90)).save(static / "grey.png")
    html = (
        "<html><head><style>p { color: #666; border: 1pt solid rgb(10, 20, 200); }</style></head>"
        '<body><p>Серый</p><img src="static:red.png"><img src="static:grey.png"></body></html>'
    )
    assert "device-cmyk(0 0 0 0.6)" in press.cmyk_html(html)
    meta = printing.PdfMetadata(title="t", author="a")
    rendered = printing.render_pdf(
        press.cmyk_html(html),
        meta,
        stylesheets=[press.press_css("a5")],
        static_dir=static,
        variant=press.VARIANT,
    )
    pdf = pikepdf.open(io.BytesIO(press.to_press_colours(rendered, static)))
    operators, fills, spaces = colour_report(pdf)
    assert not operators & RGB_OPERATORS
    assert sorted(spaces) == ["/DeviceCMYK", "/DeviceGray"]
    assert [0, 0, 0, 0.6] in fills
    # the blue border: CMYK, not RGB
    assert any(c > 0 and y == 0 for c, m, y, k in fills)


def test_spine_width_from_pages_and_paper():
    paper = press.PAPERS["offset-80"]
    assert press.binding(64) == "saddle" and press.binding(68) == "perfect"
    assert press.padded_pages(38) == 40
    # 100 pages: 50 leaves of 0.1 mm and two covers of 0.22 mm, up to the next half mm
    assert press.spine_width_mm(100, paper) == 5.5


def test_the_edition_page_queues_the_press_files(app, docs, login):
    client = login("staff")
    edition = services.publish_edition(docs["staff"], docs["brochure"], "Издание 1")
    brochure_id = docs["brochure"].id
    page = client.get(f"/brochures/manage/{brochure_id}/editions/1/")
    assert page.status_code == 200
    assert "Prepare the press files" in page.get_data(as_text=True) or "Подготовить" in (
        page.get_data(as_text=True)
    )
    queued = client.post(f"/brochures/manage/{brochure_id}/editions/1/press/a5")
    assert queued.status_code == 302
    app.extensions["jobs"].drain()  # the queue built them: the request did not
    page = client.get(f"/brochures/manage/{brochure_id}/editions/1/").get_data(as_text=True)
    link = f"/brochures/manage/{brochure_id}/editions/1/a5-press-cover.pdf"
    assert link in page
    cover = client.get(link)
    assert cover.status_code == 200
    pdf = pikepdf.open(io.BytesIO(cover.data))
    assert len(pdf.pages) == 4
    assert_press_file(pdf, (148, 210))
    assert client.post(f"/brochures/manage/{brochure_id}/editions/1/press/memo").status_code == 404
    assert edition.number == 1


IMPRINT = {
    "label": "Издание 2-е",
    "print_run": "5000",
    "printing_house": "ООО «Типография № 1», Пермь",
    "order_number": "1234",
    "print_format": "60×84/16",
    "paper": "офсетная, 80 г/м²",
    "signed_on": "2026-11-20",
}


def test_the_imprint_is_filled_when_publishing_and_printed(app, docs, login):
    client = login("staff")
    brochure_id = docs["brochure"].id
    bad = client.post(
        f"/brochures/manage/{brochure_id}/publish", data={**IMPRINT, "print_run": "x"}
    )
    assert bad.status_code == 400
    assert "ООО «Типография № 1», Пермь" in bad.get_data(as_text=True)  # nothing typed is lost
    assert not docs["brochure"].editions
    assert client.post(f"/brochures/manage/{brochure_id}/publish", data=IMPRINT).status_code == 302
    edition = docs["brochure"].latest_edition
    office = services.build(docs["brochure"], "a5", edition=edition).read()
    imprint_page = f.page_texts(office)[1]
    for words in (
        "Подписано в печать 20.11.2026.",
        "Формат 60×84/16.",
        "Бумага: офсетная, 80 г/м².",
        "Тираж 5000 экз.",
        "Заказ № 1234.",
        "Отпечатано: ООО «Типография № 1», Пермь.",
    ):
        assert words in imprint_page.replace("\n", " "), words
    page = client.get(f"/brochures/manage/{brochure_id}/editions/1/").get_data(as_text=True)
    assert "60×84/16" in page and "1234" in page


def test_the_print_run_log_keeps_totals_per_region(app, docs, login):
    client = login("staff")
    services.publish_edition(docs["staff"], docs["brochure"])
    url = f"/brochures/manage/{docs['brochure'].id}/editions/1/"
    too_many = client.post(
        url, data={"printed_on": "2026-11-21", "copies": "100", "sent": "Пермский край: 101"}
    )
    assert too_many.status_code == 400
    assert "Пермский край: 101" in too_many.get_data(as_text=True)
    wrong = client.post(url, data={"printed_on": "2026-11-21", "copies": "100", "sent": "Иванову"})
    assert wrong.status_code == 400
    for copies, sent in (("3000", "Пермский край: 1200\nКоми: 800"), ("2000", "Коми: 500")):
        data = {
            "printed_on": "2026-11-21",
            "copies": copies,
            "printing_house": "Типография",
            "sent": sent,
        }
        assert client.post(url, data=data).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "5000" in page and "Коми: 1300" in page and "Пермский край: 1200" in page
    compose = client.get(f"/brochures/manage/{docs['brochure'].id}").get_data(as_text=True)
    assert "5000" in compose
    assert services.printed_copies(docs["brochure"]) == 5000


def test_print_runs_survive_backup_and_restore(app, docs, tmp_path):
    import json

    from brochures.models import PrintRun
    from school.extensions import db

    edition = services.publish_edition(docs["staff"], docs["brochure"])
    services.add_print_run(
        edition,
        services.PrintRunInput(
            printed_on=date(2026, 11, 1), copies=700, printing_house="Т", sent=[("Коми", 300)]
        ),
    )
    dump = tmp_path / "dump.json"
    cli = app.test_cli_runner()
    assert cli.invoke(args=["backup", str(dump), "--format", "json"]).exit_code == 0
    assert json.loads(dump.read_text())["tables"]["finance_print_runs"][0]["copies"] == 700
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    db.session.expire_all()
    result = cli.invoke(args=["restore", str(dump)])
    assert result.exit_code == 0, result.output
    restored = db.session.query(PrintRun).one()
    assert (restored.copies, restored.sent, restored.printed_on) == (
        700,
        [["Коми", 300]],
        date(2026, 11, 1),
    )


def test_the_job_sheet_of_an_edition_takes_its_imprint(app, docs, tmp_path):
    from brochures.layout import Imprint

    imprint = Imprint(print_run=12000, order_number="77-А", paper="офсетная, 70 г/м²")
    services.publish_edition(docs["staff"], docs["brochure"], imprint=imprint)
    out = tmp_path / "press"
    assert run(app, "build", "money", "--format", "a5", "--press", "-o", str(out)).exit_code == 0
    text = " ".join(f.page_texts((out / "money-a5-press-sheet.pdf").read_bytes()))
    assert "12000" in text and "77-А" in text and "70 г/м²" in text


def test_an_edition_prints_a_code_its_check_page_confirms(app, docs, client):
    edition = services.publish_edition(docs["staff"], docs["brochure"])
    code = edition.check_code
    assert code and len(code) == 14
    services.store_editions([edition])
    app.extensions["jobs"].drain()  # the published files, stored once
    office = services.build(docs["brochure"], "a5", edition=edition).read()
    imprint_page = f.page_texts(office)[1].replace("\n", " ")
    address = f"{app.config['PUBLIC_URL']}/brochures/check/{code}"
    assert code in imprint_page and address.replace("-", "") in imprint_page.replace("-", "")
    page = client.get(f"/brochures/check/{code}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    stored = services.edition_file(edition, "a5")
    assert hashlib.sha256(services.edition_file_data(stored)).hexdigest() in text
    assert "Деньги" in text or docs["brochure"].title in text
    typed = client.get("/brochures/check/", query_string={"code": code.lower().replace("-", "")})
    assert typed.status_code == 302 and typed.headers["Location"].endswith(f"/check/{code}")
    assert (
        client.get("/brochures/check/", query_string={"code": "ABCD-EFGH-JKMN"}).status_code == 404
    )
    assert client.get("/brochures/check/ABCD-EFGH-JKMN").status_code == 404


def test_a_neutral_edition_names_nobody(app, docs, login):
    from brochures.layout import Imprint

    edition = services.publish_edition(
        docs["staff"], docs["brochure"], imprint=Imprint(neutral=True, print_run=300)
    )
    assert edition.neutral and edition.check_code is None
    office = services.build(docs["brochure"], "a5", edition=edition).read()
    opened = pikepdf.open(io.BytesIO(office))
    info = opened.docinfo
    assert str(info.get("/Title")) in ("Booklet", "Брошюра")
    assert not str(info.get("/Author", ""))
    text = " ".join(f.page_texts(office))
    assert app.config["ORG_NAME"] not in text and "/brochures/check/" not in text
    client = login("staff")
    page = client.get(f"/brochures/manage/{docs['brochure'].id}/editions/1/").get_data(as_text=True)
    assert "Neutral edition" in page or "Нейтральное издание" in page
    download = client.get(f"/brochures/manage/{docs['brochure'].id}/editions/1/a5.pdf")
    app.extensions["jobs"].drain()
    download = client.get(f"/brochures/manage/{docs['brochure'].id}/editions/1/a5.pdf")
    assert "booklet-1-a5.pdf" in download.headers["Content-Disposition"]


def test_a_partner_edition_prints_the_partner(app, docs):
    from brochures.layout import Imprint

    edition = services.publish_edition(
        docs["staff"], docs["brochure"], imprint=Imprint(partner="Фонд «Партнёр»")
    )
    text = " ".join(f.page_texts(services.build(docs["brochure"], "a5", edition=edition).read()))
    assert "Фонд «Партнёр»" in text and edition.check_code in text
