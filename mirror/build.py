"""Build the static mirror: the app's own public pages, fetched through its test client.

Phase one fetches every public page reachable from the sections' first pages, as an anonymous
reader in each language; phase two rewrites them (links made relative, see :mod:`mirror.html`)
knowing which addresses exist. Files are written only when their bytes change, and files of an
earlier build that are no longer part of the mirror are removed, so a rebuild touches only what
changed. Published PDFs are copied from their stored bytes, never rendered here.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
from flask import Flask, render_template
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from mirror.html import normalize_calendar, rewrite_css, rewrite_page
from mirror.paths import file_for, is_shared
from school.extensions import db

LANGUAGES = {"ru": "Русский", "en": "English"}
MANIFEST = "SHA256SUMS"
# Files the signing step adds beside the manifest: a build keeps them while the manifest stays.
SIGNATURE_FILES = (MANIFEST + ".minisig", "public-key.pub", "key-chain.json")
ASSETS = Path(__file__).parent / "assets"
SEARCH_PAGE = "/finance/search"
# Characters of each answer in the search index: enough to find it, small for 10,000 answers.
SEARCH_TEXT = 600

SECTIONS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "finance": (
        ("/finance/", "/finance/questions/"),
        frozenset({"finance.index", "finance.topic", "finance.entry", "finance.all_entries"}),
    ),
    "courses": (
        ("/courses/",),
        frozenset({"courses.catalogue", "courses.course", "courses.item", "courses.workbook"}),
    ),
    "webinars": (
        ("/webinars/", "/webinars.ics"),
        frozenset(
            {
                "webinars.index",
                "webinars.past",
                "webinars.detail",
                "webinars.webinar_calendar",
                "webinars.public_calendar",
            }
        ),
    ),
}
BROCHURE_ENDPOINTS = frozenset({"brochures.brochure", "brochures.download"})
ALWAYS = frozenset({"static", "images.show", "mirror.key"})
SITE = frozenset({"school.home", "school.privacy"})


class MirrorError(ValueError):
    """A build that cannot be made as asked (an unknown section or brochure)."""


@dataclass
class Scope:
    """What a build covers: sections of the site, and brochures (all, or those named)."""

    sections: tuple[str, ...]
    brochures: tuple[str, ...] | None  # None: every published brochure
    whole_site: bool

    @classmethod
    def parse(cls, only: str | None) -> Scope:
        """``None`` for everything, else "finance,courses,brochures:slug-a,brochures:slug-b"."""
        if not only:
            return cls(tuple(SECTIONS), None, True)
        sections: list[str] = []
        slugs: list[str] = []
        for part in filter(None, (p.strip() for p in only.split(","))):
            name, _colon, slug = part.partition(":")
            if name == "brochures" and slug:
                slugs.append(slug)
            elif name in SECTIONS and not slug:
                sections.append(name)
            else:
                raise MirrorError(f"unknown part of the site: {part!r}")
        brochures = None if "finance" in sections and not slugs else tuple(sorted(set(slugs)))
        return cls(tuple(sorted(set(sections))), brochures, False)

    def endpoints(self) -> frozenset[str]:
        names = set(ALWAYS)
        for section in self.sections:
            names |= SECTIONS[section][1]
        if self.brochures is None or self.brochures:
            names |= BROCHURE_ENDPOINTS
        if self.whole_site:
            names |= SITE
        return frozenset(names)

    def seeds(self) -> list[str]:
        urls = ["/"] if self.whole_site else []
        for section in self.sections:
            urls.extend(SECTIONS[section][0])
        return urls


@dataclass
class Report:
    files: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass
class _Fetched:
    kind: str  # "html", "css", "bytes", "redirect", "missing"
    packed: bytes = b""  # compressed: a large knowledge base's pages are held until rewritten
    target: str = ""

    @classmethod
    def of(cls, kind: str, body: bytes = b"", target: str = "") -> _Fetched:
        return cls(kind, zlib.compress(body, 1) if body else b"", target)

    @property
    def body(self) -> bytes:
        return zlib.decompress(self.packed) if self.packed else b""


class _Crawler:
    def __init__(self, app: Flask, scope: Scope) -> None:
        self.app = app
        self.scope = scope
        self.allowed = scope.endpoints()
        self.site = app.config["PUBLIC_URL"].rstrip("/")
        self.adapter = app.url_map.bind("localhost")
        self.pages: dict[str, dict[str, _Fetched]] = {lang: {} for lang in LANGUAGES}
        self.shared: dict[str, _Fetched] = {}

    # --------------------------------------------------------------- which addresses count
    def local(self, url: str) -> str | None:
        """``url`` as a site-relative address ("/finance/?page=2"), or None if it leads away."""
        if url.startswith(self.site + "/"):
            url = url[len(self.site) :]
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def endpoint(self, url: str) -> tuple[str, dict] | None:
        try:
            return self.adapter.match(urlsplit(url).path, method="GET")
        except RequestRedirect:
            return None
        except HTTPException:
            return None

    def wanted(self, url: str) -> bool:
        matched = self.endpoint(url)
        if matched is None or matched[0] not in self.allowed:
            return False
        name, args = matched
        if name.startswith("brochures.") and self.scope.brochures is not None:
            return args.get("slug") in self.scope.brochures
        return file_for(url, "xx") is not None

    # --------------------------------------------------------------- fetching
    def crawl(self) -> None:
        for lang in LANGUAGES:
            client = self.app.test_client()
            queue = sorted(set(self.seeds()))
            seen = set(queue)
            while queue:
                url = queue.pop()
                for found in self.fetch(client, url, lang):
                    if found not in seen and self.wanted(found):
                        seen.add(found)
                        queue.append(found)

    def seeds(self) -> list[str]:
        urls = [u for u in self.scope.seeds() if self.wanted(u)]
        if self.scope.brochures is None and "finance" not in self.scope.sections:
            return urls
        from brochures import services as brochures

        with self.app.app_context():
            for item in brochures.list_brochures(published_only=True):
                if self.scope.brochures is None or item.slug in self.scope.brochures:
                    urls.append(f"/brochures/{item.slug}")
        return urls

    def fetch(self, client, url: str, lang: str) -> Iterable[str]:
        path = urlsplit(url).path
        shared = is_shared(path)
        if shared and url in self.shared:
            return ()
        if self.endpoint(url)[0] == "brochures.download":
            self.shared[url] = self._stored_pdf(url)
            return ()
        if self.endpoint(url)[0] == "courses.workbook":
            self.shared[url] = self._cached_workbook(url)
            return ()
        response = client.get(
            url, base_url=self.site, headers={"Accept-Language": lang}, follow_redirects=False
        )
        if response.status_code in (301, 302, 303, 307, 308):
            target = self.local(response.location or "")
            store = self.shared if shared else self.pages[lang]
            if target and self.wanted(target):
                store[url] = _Fetched.of("redirect", target=target)
                return (target,)
            return ()
        if response.status_code != 200:
            return ()
        kind = response.mimetype
        body = response.get_data()
        if kind == "text/html":
            self.pages[lang][url] = _Fetched.of("html", body)
            return self._links(body.decode("utf-8"))
        if kind == "text/css":
            self.shared[url] = _Fetched.of("css", body)
            return [u for u in map(self.local, _css_urls(body.decode("utf-8"))) if u]
        if kind == "text/calendar":
            body = normalize_calendar(body)
        (self.shared if shared else self.pages[lang])[url] = _Fetched.of("bytes", body)
        return ()

    def _stored_pdf(self, url: str) -> _Fetched:
        from brochures import services as brochures

        _name, args = self.endpoint(url)
        with self.app.app_context():
            item = brochures.brochure_by_slug(args["slug"])
            edition = item and brochures.edition_by_number(item, args["number"])
            stored = edition and brochures.edition_file(edition, args["fmt"])
            if not stored:
                return _Fetched.of("missing")
            return _Fetched.of("bytes", brochures.edition_file_data(stored))

    def _cached_workbook(self, url: str) -> _Fetched:
        """A course's workbook when the print cache has it (``flask jobs warm`` fills it);
        never rendered here."""
        from courses import documents
        from courses.models import Course

        _name, args = self.endpoint(url)
        with self.app.test_request_context(url, base_url=self.site):
            course = db.session.scalar(select(Course).where(Course.slug == args["slug"]))
            found = course and course.published and documents.workbook_build(course).cached()
            if not found:
                return _Fetched.of("missing")
            return _Fetched.of("bytes", found.path.read_bytes())

    def _links(self, html: str) -> list[str]:
        doc = lxml.html.document_fromstring(html)
        urls = doc.xpath("//a/@href | //link/@href | //img/@src")
        return [u for u in map(self.local, urls) if u]

    # --------------------------------------------------------------- where things land
    def target(self, url: str, lang: str, depth: int = 0) -> str | None:
        """The mirror file that ``url`` becomes in ``lang``, following redirects; None if none."""
        url = self.local(url) if url else None
        if url is None:
            return None
        if urlsplit(url).path == SEARCH_PAGE and "finance" in self.scope.sections:
            return f"{lang}{SEARCH_PAGE}.html"
        store = self.shared if is_shared(urlsplit(url).path) else self.pages[lang]
        fetched = store.get(url) or self.shared.get(url)
        if fetched is None or fetched.kind == "missing":
            return None
        if fetched.kind == "redirect":
            return self.target(fetched.target, lang, depth + 1) if depth < 5 else None
        return file_for(url, lang)


def _css_urls(css: str) -> list[str]:
    from mirror.html import _CSS_URL

    return [m.group(2) for m in _CSS_URL.finditer(css) if not m.group(2).startswith("data:")]


def render(app: Flask, scope: Scope, emit: Callable[[str, bytes], None]) -> None:
    """Hand every file of the mirror to ``emit(path inside the folder, bytes)``.

    Run outside any application context (the CLI's included): each page is then fetched in
    its own, as on the server, and nothing cached for one page (its language, the visitor)
    leaks into the next.
    """
    contextvars.Context().run(_render, app, scope, emit)


def _render(app: Flask, scope: Scope, emit: Callable[[str, bytes], None]) -> None:
    crawler = _Crawler(app, scope)
    crawler.crawl()
    css = ""
    for url, fetched in sorted(crawler.shared.items()):
        name = file_for(url, "")
        if fetched.kind == "css":
            body = fetched.body.decode("utf-8")
            emit(name, rewrite_css(body, name, lambda u: crawler.target(u, "ru")))
            if name.startswith("static/css/site."):
                css = name
        elif fetched.kind == "bytes":
            emit(name, fetched.body)
    home = {}
    for lang in LANGUAGES:
        other = next(code for code in LANGUAGES if code != lang)
        for url, fetched in sorted(crawler.pages[lang].items()):
            name = file_for(url, lang)
            if fetched.kind == "bytes":
                emit(name, fetched.body)
            elif fetched.kind == "html":
                emit(name, _page(crawler, fetched.body.decode("utf-8"), url, name, lang, other))
        if "finance" in scope.sections:
            emit(f"{lang}{SEARCH_PAGE}.html", _search_page(app, crawler, lang, other))
            emit(f"{lang}/finance/search-index.js", _search_index(crawler, lang))
        targets = (crawler.target(u, lang) for u in (*scope.seeds(), *crawler.seeds()))
        home[lang] = next(filter(None, targets), None)
    if any(home.values()):
        emit("static/mirror-search.js", (ASSETS / "search.js").read_bytes())
        emit("index.html", _chooser(app, home, css))


def _page(crawler: _Crawler, html: str, url: str, name: str, lang: str, other: str) -> bytes:
    twin = crawler.target(url, other)
    return rewrite_page(
        html,
        name,
        lambda u: crawler.target(u, lang),
        search=crawler.target(SEARCH_PAGE, lang),
        other_language=(twin, other, LANGUAGES[other]) if twin else None,
    )


def _search_page(app: Flask, crawler: _Crawler, lang: str, other: str) -> bytes:
    with app.test_request_context(SEARCH_PAGE, headers={"Accept-Language": lang}):
        html = render_template("mirror/search.html")
    name = f"{lang}{SEARCH_PAGE}.html"
    page = _page(crawler, html, SEARCH_PAGE, name, lang, other)
    scripts = (
        '<script src="search-index.js"></script>'
        '<script src="../../static/mirror-search.js"></script>'
    )
    return page.replace(b"</body>", scripts.encode() + b"</body>", 1)


def _search_index(crawler: _Crawler, lang: str) -> bytes:
    """Each entry's question and the start of its answer, for the optional search script."""
    entries = []
    for url, fetched in sorted(crawler.pages[lang].items()):
        matched = crawler.endpoint(url)
        if fetched.kind != "html" or matched is None or matched[0] != "finance.entry":
            continue
        doc = lxml.html.document_fromstring(fetched.body.decode("utf-8"))
        main = doc.xpath("//main")
        title = " ".join(doc.xpath("string(//main//h1)").split())
        text = " ".join((main[0] if main else doc).text_content().split())
        link = file_for(url, lang)[len(f"{lang}/finance/") :]
        entries.append({"title": title, "url": link, "text": text[:SEARCH_TEXT]})
    data = json.dumps(entries, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return f"window.MIRROR_SEARCH = {data};\n".encode()


def _chooser(app: Flask, home: dict[str, str | None], css: str) -> bytes:
    """The mirror's first page: the choice of language (each named in itself)."""
    from html import escape

    name = escape(app.config["SITE_NAME"])
    links = "".join(
        f'<li><a href="{escape(target)}" lang="{code}" hreflang="{code}">{LANGUAGES[code]}</a></li>'
        for code, target in home.items()
        if target
    )
    page = (
        f'<!doctype html>\n<html lang="ru"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{name}</title><link rel="stylesheet" href="{css}"></head>'
        f'<body><main class="wrap"><h1>{name}</h1><ul class="languages">{links}</ul></main>'
        f"</body></html>\n"
    )
    return page.encode("utf-8")


# ------------------------------------------------------------------------------ writing


class _Writer:
    """Writes files under ``root`` only when their bytes differ, remembering each one's sum."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sums: dict[str, str] = {}
        self.report = Report()
        root.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str, data: bytes) -> None:
        self.sums[name] = hashlib.sha256(data).hexdigest()
        if _write_if_changed(self.root / name, data):
            self.report.written.append(name)

    def finish(self) -> Report:
        """Remove the files of an earlier build that are gone; then write the manifest."""
        root, report = self.root, self.report
        report.files = sorted(self.sums)
        keep = set(self.sums) | {MANIFEST, *SIGNATURE_FILES}
        for path in sorted(root.rglob("*"), reverse=True):
            rel = path.relative_to(root).as_posix()
            if path.is_file() and rel not in keep:
                path.unlink()
                report.removed.append(rel)
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        manifest = "".join(f"{self.sums[name]}  {name}\n" for name in report.files).encode()
        if _write_if_changed(root / MANIFEST, manifest):
            report.written.append(MANIFEST)
            # A signature of the previous manifest would not verify: the mirror is unsigned now.
            stale = root / (MANIFEST + ".minisig")
            if stale.exists():
                stale.unlink()
                report.removed.append(stale.name)
        report.written.sort()
        return report


def write_tree(root: Path, files: dict[str, bytes]) -> Report:
    """Write ``files`` under ``root`` as a build does (see :class:`_Writer`)."""
    writer = _Writer(root)
    for name in sorted(files):
        writer(name, files[name])
    return writer.finish()


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True


def build(app: Flask, root: Path, only: str | None = None) -> Report:
    """Build (or bring up to date) the mirror in ``root``."""
    scope = Scope.parse(only)
    writer = _Writer(root)
    render(app, scope, writer)
    return writer.finish()
