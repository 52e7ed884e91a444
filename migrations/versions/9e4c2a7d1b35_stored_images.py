"""Uploaded images: cleaned of metadata, stored once by content hash.

Revision ID: 9e4c2a7d1b35
Revises: 53fb5c940ab3
Create Date: 2026-12-04 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import school.timeutil

# revision identifiers, used by Alembic.
revision = '9e4c2a7d1b35'
down_revision = '53fb5c940ab3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stored_images',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('format', sa.String(length=8), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('alt', sa.String(length=300), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', school.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['uploaded_by_id'],
            ['users.id'],
            name=op.f('fk_stored_images_uploaded_by_id_users'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('sha256', name=op.f('pk_stored_images')),
    )
    with op.batch_alter_table('stored_images', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_stored_images_uploaded_at'), ['uploaded_at'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_stored_images_uploaded_by_id'), ['uploaded_by_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('stored_images', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_images_uploaded_by_id'))
        batch_op.drop_index(batch_op.f('ix_stored_images_uploaded_at'))
    op.drop_table('stored_images')
