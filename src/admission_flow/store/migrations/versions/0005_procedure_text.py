"""The register keeps each procedure's text, and the plugins its rules come from.

Revision ID: 0005
Revises: 0004

``procedures.text`` holds the resolved procedure as canonical JSON, the bytes
its fingerprint is the SHA-256 of; ``procedures.plugins`` names the plugins
its rules come from (module and version). Rows kept before this revision have
no text: the register fills it the first time it loads such a procedure from
its origin, if that still holds the same fingerprint.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("procedures") as batch:
        batch.add_column(sa.Column("text", sa.Text, nullable=True))
        batch.add_column(sa.Column("plugins", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("procedures") as batch:
        batch.drop_column("plugins")
        batch.drop_column("text")
