"""Each user's session version, in every session and remember-me cookie: bumping it (logout, a password change or reset, deactivation) ends them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # Sessions made before this carry a bare id, which no longer loads: everyone logs in once more.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default=sa.text('0'), nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
