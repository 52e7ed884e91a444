"""A to Z sort keys: each published entry's place in the alphabetical list, with an index;
and an index of each topic's entries in order (the knowledge base's index page, topic pages)

The key is ICU's Russian collation key of the published question (school.collation), compared
byte by byte alike on SQLite and PostgreSQL, so the index on (sort_key, id) serves both the
page and its count. Existing published entries get their key here. The column is added and
dropped in place on SQLite: rebuilding finance_entries in a batch would, with foreign keys on,
delete every revision, term and topic link of the entries.

Revision ID: 3e8b98b937ff
Revises: 1ee8497fbe47
Create Date: 2026-12-04 22:36:06.318307

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3e8b98b937ff'
down_revision = '1ee8497fbe47'
branch_labels = None
depends_on = None


def upgrade():
    from school.collation import sort_key

    op.add_column('finance_entries', sa.Column('sort_key', sa.LargeBinary(), nullable=True))
    bind = op.get_bind()
    entries = sa.table('finance_entries', sa.column('id'), sa.column('sort_key', sa.LargeBinary))
    published = bind.execute(
        sa.text(
            'SELECT e.id, r.question FROM finance_entries e '
            'JOIN finance_entry_revisions r ON r.id = e.published_revision_id'
        )
    ).all()
    for entry_id, question in published:
        bind.execute(
            entries.update().where(entries.c.id == entry_id).values(sort_key=sort_key(question))
        )
    op.create_index('ix_finance_entries_sort_key_id', 'finance_entries', ['sort_key', 'id'])
    op.create_index(
        'ix_finance_entry_topics_topic_entry', 'finance_entry_topics', ['topic_id', 'entry_id']
    )


def downgrade():
    op.drop_index('ix_finance_entry_topics_topic_entry', table_name='finance_entry_topics')
    op.drop_index('ix_finance_entries_sort_key_id', table_name='finance_entries')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE finance_entries DROP COLUMN sort_key')
    else:
        op.drop_column('finance_entries', 'sort_key')
