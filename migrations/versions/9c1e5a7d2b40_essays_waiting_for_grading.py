"""Attempts waiting for an instructor to grade their essays, the marks and comments given, and
per-student overrides of a quiz's time limit, attempts and closing time.

Revision ID: 9c1e5a7d2b40
Revises: 5c1e9a3b7d20
Create Date: 2026-12-04 23:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import school.timeutil


# revision identifiers, used by Alembic.
revision = '9c1e5a7d2b40'
down_revision = '5c1e9a3b7d20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('quiz_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('time_limit_minutes', sa.Integer(), nullable=True),
    sa.Column('max_attempts', sa.Integer(), nullable=True),
    sa.Column('closes_at', school.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id'], name=op.f('fk_quiz_overrides_quiz_id_quizzes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_quiz_overrides_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_overrides')),
    sa.UniqueConstraint('quiz_id', 'user_id', name=op.f('uq_quiz_overrides_quiz_id'))
    )
    with op.batch_alter_table('quiz_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_overrides_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('awaiting_grading', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('manual_grades', sa.JSON(none_as_null=True), nullable=True))
        batch_op.create_index('ix_quiz_attempts_quiz_awaiting', ['quiz_id', 'awaiting_grading'], unique=False)


def downgrade():
    with op.batch_alter_table('quiz_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_overrides_user_id'))
    op.drop_table('quiz_overrides')
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_quiz_attempts_quiz_awaiting')
        batch_op.drop_column('manual_grades')
        batch_op.drop_column('awaiting_grading')
