"""Units state the size of their grassroots committee (vn-2021 revision 3).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # 0 is "not stated": the rule vote.committee_denominator then checks nothing.
    with op.batch_alter_table("units") as batch:
        batch.add_column(
            sa.Column("committee_members", sa.Integer, nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.drop_column("committee_members")
