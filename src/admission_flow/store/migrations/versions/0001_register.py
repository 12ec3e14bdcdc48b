"""The first register: units, members, procedures, cases, history.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("official_members", sa.Integer, nullable=False),
        sa.Column("has_youth_union", sa.Boolean, nullable=False),
        sa.Column("hardship_area", sa.Boolean, nullable=False),
        sa.Column("delegated_admission", sa.Boolean, nullable=False),
        sa.Column("grassroots_cell", sa.Boolean, nullable=False),
    )
    op.create_table(
        "members",
        sa.Column("unit_id", sa.Text, sa.ForeignKey("units.id"), primary_key=True),
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("since", sa.Date, nullable=False),
    )
    op.create_table(
        "procedures",
        sa.Column("fingerprint", sa.Text, primary_key=True),
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("version", sa.Text, nullable=True),
        sa.Column("origin", sa.Text, nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("unit_id", sa.Text, sa.ForeignKey("units.id"), nullable=False),
        sa.Column("person_id", sa.Text, nullable=False),
        sa.Column("procedure_id", sa.Text, nullable=False),
        sa.Column("procedure_version", sa.Text, nullable=True),
        sa.Column(
            "procedure_fingerprint",
            sa.Text,
            sa.ForeignKey("procedures.fingerprint"),
            nullable=False,
        ),
        sa.Column("candidate", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("opened_at", sa.Text, nullable=False),
        sa.Column("opening_hash", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=True),
        sa.Column("open", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("head", sa.Text, nullable=False),
    )
    op.create_index("cases_open", "cases", ["open"])
    op.create_index("cases_person", "cases", ["person_id"])
    op.create_index(
        "cases_one_open_per_person",
        "cases",
        ["person_id"],
        unique=True,
        sqlite_where=sa.text("open"),
        postgresql_where=sa.text("open"),
    )
    op.create_table(
        "history",
        sa.Column("case_id", sa.Text, sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("on_date", sa.Date, nullable=False),
        sa.Column("actor_role", sa.Text, nullable=False),
        sa.Column("actor_id", sa.Text, nullable=True),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("accepted", sa.Boolean, nullable=False),
        sa.Column("recorded", sa.Boolean, nullable=False),
        sa.Column("from_state", sa.Text, nullable=True),
        sa.Column("to_state", sa.Text, nullable=True),
        sa.Column("violations", sa.Text, nullable=False),
        sa.Column("warnings", sa.Text, nullable=False),
        sa.Column("deadlines", sa.Text, nullable=False),
        sa.Column("procedure_id", sa.Text, nullable=False),
        sa.Column("procedure_version", sa.Text, nullable=True),
        sa.Column("procedure_fingerprint", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.Text, nullable=False),
        sa.Column("previous", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("history")
    op.drop_index("cases_open", "cases")
    op.drop_table("cases")
    op.drop_table("procedures")
    op.drop_table("members")
    op.drop_table("units")
