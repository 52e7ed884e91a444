"""Use cases of the knowledge base, split by purpose; they change data and commit."""

from __future__ import annotations

from finance.services.accounts import export_user_data, forget_user
from finance.services.bundle import (
    EXPORT_CHOICES,
    PROBLEM_MESSAGES,
    ImportSummary,
    export_zip,
    import_bundle,
    import_zip,
    problem_message,
)
from finance.services.common import (
    REVIEW_PERIOD_MONTHS,
    FinanceError,
    add_months,
    default_review_due,
    today,
)
from finance.services.entries import (
    STATUS_FILTERS,
    EntryInput,
    create_entry,
    entry_by_slug,
    list_entries,
    overdue_entries,
    parse_references,
    published_entries,
    revision_by_number,
    save_entry,
    topics_with_entries,
)
from finance.services.review import (
    approve,
    discard_draft,
    restore_revision,
    send_back_to_draft,
    set_review_due,
    submit_for_review,
)
from finance.services.search import SearchHit, SearchPage, reindex, reindex_all, search
from finance.services.topics import (
    create_topic,
    delete_topic,
    list_topics,
    move_topic,
    topic_by_slug,
    update_topic,
)

__all__ = [
    "EXPORT_CHOICES",
    "PROBLEM_MESSAGES",
    "REVIEW_PERIOD_MONTHS",
    "STATUS_FILTERS",
    "EntryInput",
    "FinanceError",
    "ImportSummary",
    "SearchHit",
    "SearchPage",
    "add_months",
    "approve",
    "create_entry",
    "create_topic",
    "default_review_due",
    "delete_topic",
    "discard_draft",
    "entry_by_slug",
    "export_user_data",
    "export_zip",
    "forget_user",
    "import_bundle",
    "import_zip",
    "list_entries",
    "list_topics",
    "move_topic",
    "overdue_entries",
    "parse_references",
    "problem_message",
    "published_entries",
    "reindex",
    "reindex_all",
    "restore_revision",
    "revision_by_number",
    "save_entry",
    "search",
    "send_back_to_draft",
    "set_review_due",
    "submit_for_review",
    "today",
    "topic_by_slug",
    "topics_with_entries",
    "update_topic",
]
