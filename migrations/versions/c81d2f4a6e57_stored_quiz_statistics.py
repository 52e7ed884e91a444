"""Stored quiz statistics: per-question histograms updated as attempts finish.

Each finished attempt keeps what it added (``quiz_attempts.analysis``). Quizzes with attempts
from before are rebuilt when their statistics page is first opened (by the job queue for big
ones).

Revision ID: c81d2f4a6e57
Revises: 7b2c51e0a9d4
Create Date: 2026-12-03 23:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import school.timeutil

# revision identifiers, used by Alembic.
revision = 'c81d2f4a6e57'
down_revision = '7b2c51e0a9d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'quiz_statistics',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('quiz_id', sa.Integer(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('updated_at', school.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['quiz_id'],
            ['quizzes.id'],
            name=op.f('fk_quiz_statistics_quiz_id_quizzes'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_statistics')),
        sa.UniqueConstraint('quiz_id', name=op.f('uq_quiz_statistics_quiz_id')),
    )
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('analysis', sa.JSON(), nullable=True))
        batch_op.create_index(
            'ix_quiz_attempts_quiz_state_preview', ['quiz_id', 'state', 'preview'], unique=False
        )


def downgrade():
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_quiz_attempts_quiz_state_preview')
        batch_op.drop_column('analysis')
    op.drop_table('quiz_statistics')
