"""What other features add to the knowledge base's pages (a documented extension point).

The knowledge base imports no feature that builds on it. A feature that does (the brochures)
registers here when its ``init_app`` runs:

- ``register_index_panel(name, render, order=50)``: ``render()`` returns HTML (``Markup``) shown
  on the readers' index page above the topics, or an empty string to show nothing. It runs
  inside the index page's request, so it may query and render templates; the page is cached
  for anonymous readers like the rest of it.
- ``register_manage_link(name, label, endpoint, order=50)``: a link in the staff's
  knowledge-base navigation (the brochures' list of brochures and memos).

Names make registration idempotent when several apps are created in one process (tests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from school import hooks

# name -> (order, render() -> Markup | str)
index_panels: dict[str, tuple[int, Callable[[], Any]]] = {}
# name -> (order, label, endpoint)
manage_links: dict[str, tuple[int, Any, str]] = {}


def register_index_panel(name: str, render: Callable[[], Any], order: int = 50) -> None:
    index_panels[name] = (order, render)


def register_manage_link(name: str, label: Any, endpoint: str, order: int = 50) -> None:
    manage_links[name] = (order, label, endpoint)


def index_panel_html() -> list[Markup]:
    """The registered panels' HTML, in order, leaving out empty ones."""
    return hooks.rendered(index_panels)


def manage_nav_links() -> list[tuple[str, Any]]:
    """(endpoint, label) of the registered staff links, in order."""
    ordered = sorted(manage_links.values(), key=lambda link: link[0])
    return [(endpoint, label) for _order, label, endpoint in ordered]
