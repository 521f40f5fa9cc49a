"""The owner's versions of the emails' words (/admin/emails): every save kept, the newest in use.

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-02 18:10:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "email_template_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_email_template_versions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_template_versions")),
    )
    op.create_index(
        "ix_email_template_versions_kind", "email_template_versions", ["kind", "language", "id"], unique=False
    )


def downgrade():
    op.drop_index("ix_email_template_versions_kind", table_name="email_template_versions")
    op.drop_table("email_template_versions")
