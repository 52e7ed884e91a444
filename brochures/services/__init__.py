"""Use cases of the brochures and memos, split by purpose; they change data and commit."""

from __future__ import annotations

from brochures.services.accounts import export_user_data, forget_user
from brochures.services.common import BrochureError
from brochures.services.compose import (
    BrochureInput,
    add_item,
    add_section,
    addable_entries,
    brochure_by_slug,
    create_brochure,
    delete_brochure,
    delete_section,
    fill_section_from_topic,
    list_brochures,
    move_item,
    move_item_to_section,
    move_section,
    remove_item,
    rename_section,
    update_brochure,
)
from brochures.services.editions import (
    Change,
    changes_since,
    document_for,
    edition_by_number,
    publish_edition,
)
from brochures.services.pdfs import build, build_job, check_format, edition_pdf_files, preview

__all__ = [
    "BrochureError",
    "BrochureInput",
    "Change",
    "add_item",
    "add_section",
    "addable_entries",
    "brochure_by_slug",
    "build",
    "build_job",
    "changes_since",
    "check_format",
    "create_brochure",
    "delete_brochure",
    "delete_section",
    "document_for",
    "edition_by_number",
    "edition_pdf_files",
    "export_user_data",
    "fill_section_from_topic",
    "forget_user",
    "list_brochures",
    "move_item",
    "move_item_to_section",
    "move_section",
    "preview",
    "publish_edition",
    "remove_item",
    "rename_section",
    "update_brochure",
]
