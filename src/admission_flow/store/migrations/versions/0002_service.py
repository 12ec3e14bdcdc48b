"""What a service needs: the next due date on the case row, indexes to list by, request ids.

Revision ID: 0002
Revises: 0001

The next due date of each case already kept is computed from its history's
recorded deadlines (set by one kept step, met by a later one), as the
register computes it when it records a step.
"""

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _next_due(rows: list[tuple[str, bool, bool]]) -> tuple[dt.date | None, str | None]:
    pending: dict[str, dict[str, str]] = {}
    for deadlines, accepted, recorded in rows:
        if not (accepted or recorded):
            continue
        data = json.loads(deadlines)
        for deadline in data["set"]:
            pending[deadline["name"]] = deadline
        for deadline in data["met"]:
            pending.pop(deadline["name"], None)
    if not pending:
        return None, None
    first = min(pending.values(), key=lambda d: (d["due"], d["name"]))
    return dt.date.fromisoformat(first["due"]), first["event"]


def upgrade() -> None:
    op.add_column("cases", sa.Column("next_due", sa.Date, nullable=True))
    op.add_column("cases", sa.Column("next_due_event", sa.Text, nullable=True))
    op.add_column("history", sa.Column("request_id", sa.Text, nullable=True))
    op.create_index("cases_unit_state", "cases", ["unit_id", "state"])
    op.create_index("cases_state", "cases", ["state"])
    op.create_index("cases_next_due", "cases", ["next_due"])
    op.create_index("cases_procedure", "cases", ["procedure_id"])
    op.create_index("history_request", "history", ["case_id", "request_id"], unique=True)
    connection = op.get_bind()
    cases = sa.table(
        "cases",
        sa.column("id", sa.Text),
        sa.column("open", sa.Boolean),
        sa.column("next_due", sa.Date),
        sa.column("next_due_event", sa.Text),
    )
    history = sa.table(
        "history",
        sa.column("case_id", sa.Text),
        sa.column("seq", sa.Integer),
        sa.column("deadlines", sa.Text),
        sa.column("accepted", sa.Boolean),
        sa.column("recorded", sa.Boolean),
    )
    open_ids = list(
        connection.execute(sa.select(cases.c.id).where(cases.c.open.is_(True))).scalars()
    )
    for case_id in open_ids:
        rows = connection.execute(
            sa.select(history.c.deadlines, history.c.accepted, history.c.recorded)
            .where(history.c.case_id == case_id)
            .order_by(history.c.seq)
        )
        due, event = _next_due([tuple(row) for row in rows])
        if due is not None:
            connection.execute(
                cases.update()
                .where(cases.c.id == case_id)
                .values(next_due=due, next_due_event=event)
            )


def downgrade() -> None:
    op.drop_index("history_request", "history")
    op.drop_index("cases_procedure", "cases")
    op.drop_index("cases_next_due", "cases")
    op.drop_index("cases_state", "cases")
    op.drop_index("cases_unit_state", "cases")
    with op.batch_alter_table("history") as batch:
        batch.drop_column("request_id")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("next_due_event")
        batch.drop_column("next_due")
