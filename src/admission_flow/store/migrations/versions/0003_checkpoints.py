"""Register-wide checkpoints a user keeps outside the database.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkpoints",
        sa.Column("digest", sa.Text, primary_key=True),
        sa.Column("taken_at", sa.Text, nullable=False),
        sa.Column("cases", sa.Integer, nullable=False),
        sa.Column("steps", sa.Integer, nullable=False),
        sa.Column("listing", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("checkpoints")
