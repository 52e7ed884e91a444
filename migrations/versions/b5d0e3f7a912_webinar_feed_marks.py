"""The Atom feed's mark: when it last changed in a way its entries cannot show.

Revision ID: b5d0e3f7a912
Revises: 9e4c2a7d1b35
Create Date: 2026-12-04 16:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

import school.timeutil

# revision identifiers, used by Alembic.
revision = 'b5d0e3f7a912'
down_revision = '9e4c2a7d1b35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'webinar_feed_marks',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('changed_at', school.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_webinar_feed_marks')),
    )


def downgrade():
    op.drop_table('webinar_feed_marks')
