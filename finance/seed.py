"""Demonstration content of the knowledge base: topics and entries from ``finance/demo/``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from finance import bundle, services
from finance.models import Entry
from school.extensions import db

DEMO_DIR = Path(__file__).resolve().parent / "demo"


def seed(users: dict, log: Callable[[str], None]) -> None:
    """Load the demo entries and topics: written by the demo administrator, approved by the
    demo staff member (two people, as review asks)."""
    if db.session.scalar(select(func.count(Entry.id))):
        log("  financial literacy: already loaded")
        return
    reviewer = users.get("staff") or users.get("admin")
    author = users.get("admin") or reviewer
    summary = services.import_bundle(author, bundle.read_directory(DEMO_DIR), reviewer=reviewer)
    groups = services.save_synonyms((DEMO_DIR / "synonyms.txt").read_text(encoding="utf-8"))
    log(
        f"  financial literacy: {summary.created + summary.updated} entries, "
        f"{summary.topics_created} topics, {groups} synonym groups"
    )
