"""Indexes for a quiz's results and a webinar's registrants, at any number of rows.

``quiz_attempts (quiz_id, preview, user_id)``: the students of a quiz are read from the index
alone, without the attempts' rows (wide with their frozen layouts). The registrations' queue
index gains ``id``, the last key of their order, so each status's registrations are read in
order from it without sorting them.

Revision ID: 53fb5c940ab3
Revises: c81d2f4a6e57
Create Date: 2026-12-04 06:40:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '53fb5c940ab3'
down_revision = 'c81d2f4a6e57'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_quiz_attempts_quiz_preview_user',
        'quiz_attempts',
        ['quiz_id', 'preview', 'user_id'],
        unique=False,
    )
    # The new index first, so the waiting list is never left without one.
    op.create_index(
        'ix_webinar_registrations_queue_order',
        'webinar_registrations',
        ['webinar_id', 'status', 'registered_at', 'id'],
        unique=False,
    )
    op.drop_index('ix_webinar_registrations_queue', table_name='webinar_registrations')


def downgrade():
    op.create_index(
        'ix_webinar_registrations_queue',
        'webinar_registrations',
        ['webinar_id', 'status', 'registered_at'],
        unique=False,
    )
    op.drop_index('ix_webinar_registrations_queue_order', table_name='webinar_registrations')
    op.drop_index('ix_quiz_attempts_quiz_preview_user', table_name='quiz_attempts')
