"""No e-mail address: the column that was asked for and never used goes

Revision ID: 2f6c0d8e4a19
Revises: b5d0e3f7a912
Create Date: 2026-12-04 19:50:00.000000

On SQLite the column is dropped in place (ALTER TABLE ... DROP COLUMN, SQLite 3.35): rebuilding
the users table in a batch would drop the old one, and with foreign keys on that deletes every
session, code and registration hanging on the accounts. A downgrade brings the column back, empty.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2f6c0d8e4a19'
down_revision = 'b5d0e3f7a912'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE users DROP COLUMN email')
    else:
        op.drop_column('users', 'email')


def downgrade():
    # A nullable column is added in place on SQLite too: no table is rebuilt.
    op.add_column('users', sa.Column('email', sa.String(length=254), nullable=True))
