"""Old addresses kept alive: printed material and bookmarks point at them for years.

A feature lists its moved addresses as ``LEGACY_REDIRECTS = [(old_rule, endpoint), ...]`` in its
views module and passes them to :func:`add_legacy_redirects`; each old address answers with a
permanent redirect to the page it became, with the same arguments and query string. The list is
also what the URL test allows outside the feature's own prefix.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, redirect, request, url_for


def add_legacy_redirects(bp: Blueprint, rules: Iterable[tuple[str, str]]) -> None:
    """Register a GET route per ``(old_rule, endpoint)`` that redirects there for good (308)."""
    names: set[str] = set()
    for rule, endpoint in rules:

        def moved(_endpoint: str = endpoint, **values):
            query = request.args.to_dict(flat=False)
            return redirect(url_for(_endpoint, **{**query, **values}), 308)

        # "moved_verify" for the old address of "courses.verify" (numbered if there are several).
        name = "moved_" + endpoint.rpartition(".")[2]
        while name in names:
            name += "_"
        names.add(name)
        bp.add_url_rule(rule, name, moved, methods=["GET"])
