"""Message catalogs, one per package: extract, update, check and compile with Babel.

Source strings are English; the Russian catalog holds the translations and the English one is
filled from the source strings, so both stay complete. No Flask here: the tests and the
``flask translate`` commands both use these functions.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from school.config import LANGUAGES, PACKAGES, PROJECT_ROOT
from school.files import write_atomically

KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "Plural": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
JINJA_OPTIONS = {"extensions": "jinja2.ext.do", "trimmed": "true"}
# Templates outside templates/<package>/ belong to the core.
CORE_TEMPLATE_DIRS = ("macros", "errors", "print", "school")


@dataclass(frozen=True)
class Problem:
    package: str
    locale: str
    message: str

    def __str__(self) -> str:
        return f"{self.package}/{self.locale}: {self.message}"


def catalog_dir(package: str, root: Path = PROJECT_ROOT) -> Path:
    return root / package / "translations"


def po_path(package: str, locale: str, root: Path = PROJECT_ROOT) -> Path:
    return catalog_dir(package, root) / locale / "LC_MESSAGES" / "messages.po"


def _template_files(package: str, root: Path) -> list[Path]:
    templates = root / "templates"
    if package == "school":
        files = list(templates.glob("*.html"))
        for name in CORE_TEMPLATE_DIRS:
            files.extend((templates / name).rglob("*.html"))
        return files
    return list((templates / package).rglob("*.html"))


def extract(package: str, root: Path = PROJECT_ROOT) -> Catalog:
    """Every translatable string of a package's Python code and templates."""
    catalog = Catalog(project=package, charset="utf-8")
    python_dir = root / package
    method_map = [("translations/**", "ignore"), ("demo/**", "ignore"), ("**.py", "python")]
    for filename, lineno, message, comments, context in extract_from_dir(
        str(python_dir), method_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
    ):
        catalog.add(message, None, [(f"{package}/{filename}", lineno)],
                    auto_comments=comments, context=context)  # fmt: skip
    templates_root = root / "templates"
    for path in sorted(_template_files(package, root)):
        rel = path.relative_to(templates_root)
        for filename, lineno, message, comments, context in extract_from_dir(
            str(templates_root),
            [(str(rel), "jinja2")],
            keywords=KEYWORDS,
            options_map={str(rel): JINJA_OPTIONS},
        ):
            catalog.add(message, None, [(f"templates/{filename}", lineno)],
                        auto_comments=comments, context=context)  # fmt: skip
    return catalog


def _read(path: Path, locale: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=locale, charset="utf-8")
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def update(package: str, root: Path = PROJECT_ROOT) -> dict[str, int]:
    """Merge new strings into the package's catalogs; returns untranslated counts per locale."""
    template = extract(package, root)
    counts = {}
    for locale in LANGUAGES:
        path = po_path(package, locale, root)
        catalog = _read(path, locale)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False
        catalog.project = "public-defender-school"
        catalog.version = package
        if locale == "en":
            for message in catalog:
                if message.id and not _translated(message):
                    message.string = message.id
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        write_po(buffer, catalog, width=100, sort_output=False, omit_header=False)
        path.write_bytes(buffer.getvalue())
        counts[locale] = sum(1 for m in catalog if m.id and not _translated(m))
    return counts


def _translated(message) -> bool:
    if isinstance(message.string, list | tuple):
        return all(message.string)
    return bool(message.string)


def compile_all(root: Path = PROJECT_ROOT, *, only_stale: bool = False) -> list[Path]:
    """Write each catalog's ``.mo`` (atomically); with ``only_stale``, only where it is missing
    or older than its ``.po``."""
    written = []
    for package in PACKAGES:
        for locale in LANGUAGES:
            path = po_path(package, locale, root)
            if not path.exists():
                continue
            target = path.with_suffix(".mo")
            if only_stale and target.exists() and target.stat().st_mtime >= path.stat().st_mtime:
                continue
            catalog = _read(path, locale)
            buffer = io.BytesIO()
            write_mo(buffer, catalog, use_fuzzy=False)
            write_atomically(target, buffer.getvalue())
            written.append(target)
    return written


def ensure_compiled(root: Path = PROJECT_ROOT) -> None:
    """Compile missing or outdated catalogs, so a checkout run without make speaks Russian.

    An installed wheel carries compiled catalogs and writes nothing. Where the folder cannot be
    written, the interface falls back to English and a warning says why.
    """
    try:
        compile_all(root, only_stale=True)
    except OSError as error:
        logging.getLogger(__name__).warning("cannot compile the message catalogs: %s", error)


def check(root: Path = PROJECT_ROOT) -> list[Problem]:
    """Problems that make a catalog incomplete: missing, untranslated, fuzzy or not compiled."""
    problems: list[Problem] = []
    for package in PACKAGES:
        template = extract(package, root)
        wanted = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in template if m.id}
        if not wanted:
            continue
        for locale in LANGUAGES:
            path = po_path(package, locale, root)
            if not path.exists():
                problems.append(Problem(package, locale, f"no catalog at {path}"))
                continue
            catalog = _read(path, locale)
            for msgid, context in sorted(wanted, key=lambda w: (w[0], w[1] or "")):
                message = catalog.get(msgid, context=context)
                if message is None:
                    problems.append(Problem(package, locale, f"missing: {msgid!r}"))
                elif message.fuzzy:
                    problems.append(Problem(package, locale, f"fuzzy: {msgid!r}"))
                elif not _translated(message):
                    problems.append(Problem(package, locale, f"untranslated: {msgid!r}"))
            problems.extend(_compiled_problems(package, locale, catalog, path))
    return problems + conflicts(root)


def _key(message) -> tuple[str, str | None]:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    context = message.context
    if isinstance(context, bytes):  # read_mo gives contexts as bytes
        context = context.decode("utf-8")
    return msgid, context


def _text(string) -> str | tuple[str, ...]:
    """A translation in one shape: plural forms come as a tuple from .po and a list from .mo."""
    return tuple(string) if isinstance(string, list | tuple) else string


def conflicts(root: Path = PROJECT_ROOT, locale: str = "ru") -> list[Problem]:
    """Source strings two packages translate differently.

    All catalogs merge into one domain at run time, so one of the two translations would silently
    win in the other package's pages; such strings need a context (``pgettext``) or other words.
    """
    seen: dict[tuple[str, str | None], tuple[str, object]] = {}
    problems = []
    for package in PACKAGES:
        path = po_path(package, locale, root)
        if not path.exists():
            continue
        for message in _read(path, locale):
            if not message.id or not _translated(message):
                continue
            key = _key(message)
            if key in seen and _text(seen[key][1]) != _text(message.string):
                other, text = seen[key]
                problems.append(Problem(package, locale,
                    f"{key[0]!r} is {message.string!r} here but {text!r} in {other}"))  # fmt: skip
            seen.setdefault(key, (package, message.string))
    return problems


def _compiled_problems(package: str, locale: str, catalog: Catalog, path: Path) -> list[Problem]:
    mo = path.with_suffix(".mo")
    if not mo.exists():
        return [
            Problem(package, locale, "not compiled (run `flask --app school translate compile`)")
        ]
    with mo.open("rb") as fh:
        compiled = read_mo(fh)
    expected = {_key(m): _text(m.string) for m in catalog if m.id and not m.fuzzy}
    actual = {_key(m): _text(m.string) for m in compiled if m.id}
    if expected != actual:
        return [Problem(package, locale, "compiled catalog is out of date; compile again")]
    return []


def fill(
    package: str, locale: str, translations: dict[str, str | list[str]], root: Path = PROJECT_ROOT
) -> int:
    """Set translations in a package's catalog; returns how many were set.

    Keys are source strings (for plurals, the singular); values are the text, or for plurals
    the list of forms (three in Russian: one, few, many).
    """
    path = po_path(package, locale, root)
    catalog = _read(path, locale)
    count = 0
    for message in catalog:
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        if msgid and msgid in translations:
            value = translations[msgid]
            plural = isinstance(message.id, tuple)
            if plural != isinstance(value, list):
                raise ValueError(
                    f"{msgid!r} needs {'a list of plural forms' if plural else 'text'}"
                )
            message.string = tuple(value) if plural else value
            message.flags.discard("fuzzy")
            count += 1
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=False)
    path.write_bytes(buffer.getvalue())
    return count
