"""Notifications inside the site (and the kinds each person switched off), the reason a
webinar was cancelled, the numbers kept when old registrations are deleted, and each personal
feed's reminders.

Revision ID: 1ee8497fbe47
Revises: 7bbb55246765
Create Date: 2026-12-04 19:43:05.505128

"""
from alembic import op
import sqlalchemy as sa

import school.timeutil

# revision identifiers, used by Alembic.
revision = '1ee8497fbe47'
down_revision = '7bbb55246765'
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
    # Columns are dropped in place (SQLite 3.35+ too): rebuilding the webinars table would drop
    # the old one, and with foreign keys on that deletes every registration hanging on it.
    for table, column in (
        ('webinars', 'kept_cancelled'),
        ('webinars', 'kept_waitlisted'),
        ('webinars', 'kept_registered'),
        ('webinars', 'registrations_purged_at'),
        ('webinars', 'cancel_reason'),
        ('webinar_feed_tokens', 'reminders'),
    ):
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
        else:
            op.drop_column(table, column)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_unread')
        batch_op.drop_index('ix_notifications_user_created')
        batch_op.drop_index(batch_op.f('ix_notifications_created_at'))

    op.drop_table('notifications')
    op.drop_table('notification_mutes')
