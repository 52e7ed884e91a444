"""Covering index for search: (term, entry_id, weight) replaces the index on term alone.

A search sums the weights of a few terms per entry; with all three columns in the index the
database answers from the index without reading the table's rows.

Revision ID: f84515a23190
Revises: d4e6f922b498
Create Date: 2026-11-21 08:31:13.922668

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f84515a23190'
down_revision = 'd4e6f922b498'
branch_labels = None
depends_on = None


def upgrade():
    # The new index first, so search is never left without one.
    op.create_index(
        'ix_finance_entry_terms_term_entry_weight',
        'finance_entry_terms',
        ['term', 'entry_id', 'weight'],
        unique=False,
    )
    op.drop_index('ix_finance_entry_terms_term', table_name='finance_entry_terms')


def downgrade():
    op.create_index(
        'ix_finance_entry_terms_term', 'finance_entry_terms', ['term'], unique=False
    )
    op.drop_index('ix_finance_entry_terms_term_entry_weight', table_name='finance_entry_terms')
