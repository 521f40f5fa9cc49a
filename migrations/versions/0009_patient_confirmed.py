"""When the patient themself said they're coming (from their link), so the calendar can say "Confirmed by patient".

Nullable and empty for existing appointments: nobody has told us yet, whatever their status.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 17:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('patient_confirmed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_column('patient_confirmed_at')
