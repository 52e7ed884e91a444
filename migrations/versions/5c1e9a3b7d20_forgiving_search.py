"""Forgiving search: the words of published entries (for spelling corrections), the staff's
synonym groups, and anonymous weekly counts of searches that found nothing.

Existing entries get their words with ``flask finance reindex``.

Revision ID: 5c1e9a3b7d20
Revises: 1ee8497fbe47
Create Date: 2026-12-04 22:45:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "5c1e9a3b7d20"
down_revision = "1ee8497fbe47"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "finance_entry_words",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["finance_entries.id"],
            name=op.f("fk_finance_entry_words_entry_id_finance_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "word", name=op.f("pk_finance_entry_words")),
    )
    op.create_table(
        "finance_synonym_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("phrases", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_synonym_groups")),
    )
    op.create_table(
        "finance_search_misses",
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("query", "week", name=op.f("pk_finance_search_misses")),
    )


def downgrade():
    op.drop_table("finance_search_misses")
    op.drop_table("finance_synonym_groups")
    op.drop_table("finance_entry_words")
