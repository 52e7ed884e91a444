"""Print runs of editions (copies and totals per region), editions' check codes, neutral editions.

Revision ID: 5f3a9c2e7b10
Revises: 9c1e5a7d2b40
Create Date: 2026-12-04 23:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import school.timeutil

# revision identifiers, used by Alembic.
revision = '5f3a9c2e7b10'
down_revision = '9c1e5a7d2b40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'finance_print_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('printed_on', sa.Date(), nullable=False),
        sa.Column('copies', sa.Integer(), nullable=False),
        sa.Column('printing_house', sa.String(length=200), nullable=False),
        sa.Column('sent', sa.JSON(), nullable=False),
        sa.Column('created_at', school.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['edition_id'],
            ['finance_editions.id'],
            name=op.f('fk_finance_print_runs_edition_id_finance_editions'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_print_runs')),
    )
    with op.batch_alter_table('finance_print_runs', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_finance_print_runs_edition_id'), ['edition_id'], unique=False
        )
    with op.batch_alter_table('finance_editions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('check_code', sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column('neutral', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_unique_constraint(
            batch_op.f('uq_finance_editions_check_code'), ['check_code']
        )


def downgrade():
    with op.batch_alter_table('finance_editions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_finance_editions_check_code'), type_='unique')
        batch_op.drop_column('neutral')
        batch_op.drop_column('check_code')
    with op.batch_alter_table('finance_print_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finance_print_runs_edition_id'))
    op.drop_table('finance_print_runs')
