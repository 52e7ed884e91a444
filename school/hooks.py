"""Extension points that let feature packages plug into the core without the core importing them.

Each feature registers its callbacks when its blueprint is set up; keys make registration idempotent
when several apps are created in one process (tests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# name -> fn(user) -> JSON-serialisable data about the user, for the data export.
account_exporters: dict[str, Callable[[Any], Any]] = {}
# name -> fn(user): delete or anonymise what belongs to the user before the account is removed.
account_erasers: dict[str, Callable[[Any], None]] = {}
# name -> fn(reader) -> JSON-serialisable data about a postal reader (no account), for their export.
reader_exporters: dict[str, Callable[[Any], Any]] = {}
# name -> fn(reader): delete or anonymise what belongs to a postal reader before they are removed.
reader_erasers: dict[str, Callable[[Any], None]] = {}
# name -> (order, fn(users: dict[str, User], log: Callable[[str], None])): load demo content.
demo_seeders: dict[str, tuple[int, Callable[..., None]]] = {}
# name -> fn(user) -> list of (title, url) links for "continue where you left off" on the home page.
home_panels: dict[str, Callable[[Any], Any]] = {}
# name -> (order, render() -> HTML or ""): public sections of the home page (search, the next
# webinars, new brochures). The same for every visitor: the page is cached for anonymous readers.
home_sections: dict[str, tuple[int, Callable[[], Any]]] = {}
# name -> (label, endpoint) entries of the main navigation.
nav_links: dict[str, tuple[Any, str]] = {}
# name -> fn() -> paths of cached PDFs that must never be pruned (see school.pdfcache).
pdf_keepers: dict[str, Callable[[], Any]] = {}
# name -> fn() -> number of jobs submitted: queue the builds of every current document (drafts,
# workbooks, memos) that is not in the PDF cache, e.g. after a deploy (`flask jobs warm`).
pdf_warmers: dict[str, Callable[[], int]] = {}
# name -> fn(now) -> number of rows removed: delete what is kept no longer than a set time (old
# notifications, registrations for long-past webinars). ``flask purge`` runs them all.
purgers: dict[str, Callable[[Any], int]] = {}


def register_exporter(name: str, fn: Callable[[Any], Any]) -> None:
    account_exporters[name] = fn


def register_eraser(name: str, fn: Callable[[Any], None]) -> None:
    account_erasers[name] = fn


def register_reader_exporter(name: str, fn: Callable[[Any], Any]) -> None:
    reader_exporters[name] = fn


def register_reader_eraser(name: str, fn: Callable[[Any], None]) -> None:
    reader_erasers[name] = fn


def register_demo_seeder(name: str, fn: Callable[..., None], order: int = 50) -> None:
    demo_seeders[name] = (order, fn)


def register_home_panel(name: str, fn: Callable[[Any], Any]) -> None:
    home_panels[name] = fn


def register_home_section(name: str, render: Callable[[], Any], order: int = 50) -> None:
    home_sections[name] = (order, render)


def rendered(panels: dict[str, tuple[int, Callable[[], Any]]]) -> list[Any]:
    """The HTML of registered ``(order, render)`` panels, in order, leaving out empty ones
    (the home page's sections, the knowledge base's index panels)."""
    from markupsafe import Markup

    html = (render() for _order, render in sorted(panels.values(), key=lambda pair: pair[0]))
    return [Markup(part) for part in html if part]  # noqa: S704 - a feature's rendered template


def register_nav_link(name: str, label: Any, endpoint: str) -> None:
    nav_links[name] = (label, endpoint)


def register_pdf_keeper(name: str, fn: Callable[[], Any]) -> None:
    pdf_keepers[name] = fn


def register_pdf_warmer(name: str, fn: Callable[[], int]) -> None:
    pdf_warmers[name] = fn


def register_purger(name: str, fn: Callable[[Any], int]) -> None:
    purgers[name] = fn


def export(
    heading: str, own: dict[str, Any], exporters: dict[str, Callable[[Any], Any]], subject: Any
) -> dict[str, Any]:
    """A person's data export: the core's own record under ``heading``, the time of export, and
    what each feature's exporter gives for ``subject``, by feature name."""
    from school.timeutil import now_utc

    data: dict[str, Any] = {heading: own, "exported_at": now_utc().isoformat()}
    data.update((name, exporter(subject)) for name, exporter in sorted(exporters.items()))
    return data
