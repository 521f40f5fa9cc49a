"""The SEQUENCE of each appointment's calendar invitation, so a move or a cancellation updates the patient's calendar.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    # Existing appointments start at 0: the invitations already sent carried no SEQUENCE, which means 0.
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_sequence', sa.Integer(), server_default=sa.text('0'), nullable=False))


def downgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_column('calendar_sequence')
