"""Stored edition PDFs: each published edition's file in each format, kept once.

Editions published before keep the PDF they have: ``flask jobs warm`` (run by ``make serve``)
or the first download stores it, from the print cache when it is there.

Revision ID: 7b2c51e0a9d4
Revises: 3d46aeecc6bc
Create Date: 2026-12-03 22:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import school.timeutil

# revision identifiers, used by Alembic.
revision = '7b2c51e0a9d4'
down_revision = '3d46aeecc6bc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'finance_edition_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('format', sa.String(length=32), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('stored_at', school.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['edition_id'],
            ['finance_editions.id'],
            name=op.f('fk_finance_edition_files_edition_id_finance_editions'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_edition_files')),
        sa.UniqueConstraint(
            'edition_id', 'format', name=op.f('uq_finance_edition_files_edition_id')
        ),
    )
    with op.batch_alter_table('finance_edition_files', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_finance_edition_files_edition_id'), ['edition_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('finance_edition_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finance_edition_files_edition_id'))
    op.drop_table('finance_edition_files')
