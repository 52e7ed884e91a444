"""Notifications inside the site (and the kinds each person switched off), the reason a
webinar was cancelled, the numbers kept when old registrations are deleted, and each personal
feed's reminders.

Revision ID: 1ee8497fbe47
Revises: b5d0e3f7a912
Create Date: 2026-12-04 19:43:05.505128

"""
from alembic import op
import sqlalchemy as sa

import school.timeutil

# revision identifiers, used by Alembic.
revision = '1ee8497fbe47'
down_revision = 'b5d0e3f7a912'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_mutes',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_mutes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_mutes'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', school.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', school.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_notifications_user_created', ['user_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at', 'created_at'], unique=False)

    with op.batch_alter_table('webinar_feed_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders', sa.String(length=32), nullable=True))

    with op.batch_alter_table('webinars', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancel_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('registrations_purged_at', school.timeutil.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('kept_registered', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kept_waitlisted', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kept_cancelled', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('webinars', schema=None) as batch_op:
        batch_op.drop_column('kept_cancelled')
        batch_op.drop_column('kept_waitlisted')
        batch_op.drop_column('kept_registered')
        batch_op.drop_column('registrations_purged_at')
        batch_op.drop_column('cancel_reason')

    with op.batch_alter_table('webinar_feed_tokens', schema=None) as batch_op:
        batch_op.drop_column('reminders')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_unread')
        batch_op.drop_index('ix_notifications_user_created')
        batch_op.drop_index(batch_op.f('ix_notifications_created_at'))

    op.drop_table('notifications')
    op.drop_table('notification_mutes')
