"""Forgiving search: the words of published entries (for spelling corrections), the staff's
synonym groups, and anonymous weekly counts of searches that found nothing; readers' questions
(asked on the site or by letter) and the entries that answer them.

Existing entries get their words with ``flask finance reindex``.

Revision ID: 5c1e9a3b7d20
Revises: 3e8b98b937ff
Create Date: 2026-12-04 22:45:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "5c1e9a3b7d20"
down_revision = "3e8b98b937ff"
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

    op.create_table(
        "finance_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("reader_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("institution", sa.String(length=200), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("personal_purged", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reader_id"],
            ["postal_readers.id"],
            name=op.f("fk_finance_questions_reader_id_postal_readers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_questions")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_finance_questions_code_hash")),
    )
    with op.batch_alter_table("finance_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_finance_questions_reader_id"), ["reader_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_finance_questions_status"), ["status"], unique=False)
    op.create_table(
        "finance_question_entries",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["finance_entries.id"],
            name=op.f("fk_finance_question_entries_entry_id_finance_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["finance_questions.id"],
            name=op.f("fk_finance_question_entries_question_id_finance_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "question_id", "entry_id", name=op.f("pk_finance_question_entries")
        ),
    )


def downgrade():
    op.drop_table("finance_question_entries")
    with op.batch_alter_table("finance_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finance_questions_status"))
        batch_op.drop_index(batch_op.f("ix_finance_questions_reader_id"))
    op.drop_table("finance_questions")
    op.drop_table("finance_search_misses")
    op.drop_table("finance_synonym_groups")
    op.drop_table("finance_entry_words")
