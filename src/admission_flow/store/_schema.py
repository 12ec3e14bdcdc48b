"""The register's tables, as SQLAlchemy Core sees them.

The migrations under ``migrations/versions`` create exactly these (a test
compares them); change both together, with a new migration.

JSON columns are ``Text`` holding canonical JSON (``_canonical.canonical_json``
of the tagged form of ``_serial``): the same bytes on SQLite and PostgreSQL,
and the bytes the hash chain covers.
"""

from __future__ import annotations

import sqlalchemy as sa

from ._types import StoredDate

__all__ = ["cases", "checkpoints", "history", "members", "metadata", "procedures", "units"]

metadata = sa.MetaData()

#: Units whose cells handle cases; stored so a case can be fired on without re-supplying them.
units = sa.Table(
    "units",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("official_members", sa.Integer, nullable=False),
    sa.Column("has_youth_union", sa.Boolean, nullable=False),
    sa.Column("hardship_area", sa.Boolean, nullable=False),
    sa.Column("delegated_admission", sa.Boolean, nullable=False),
    sa.Column("grassroots_cell", sa.Boolean, nullable=False),
    #: Members of the grassroots committee (revision 3); 0 where not stated.
    sa.Column("committee_members", sa.Integer, nullable=False, server_default="0"),
)

#: The party members a unit's events may name (mentors, introducers, members acting in person).
members = sa.Table(
    "members",
    metadata,
    sa.Column("unit_id", sa.Text, sa.ForeignKey("units.id"), primary_key=True),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("since", StoredDate, nullable=False),
)

#: Every procedure a case follows or followed, content-addressed: its text by fingerprint.
procedures = sa.Table(
    "procedures",
    metadata,
    sa.Column("fingerprint", sa.Text, primary_key=True),
    sa.Column("id", sa.Text, nullable=False),
    sa.Column("version", sa.Text, nullable=True),
    #: Where it was first loaded from (a bundled id or a file): for people, not for loading.
    sa.Column("origin", sa.Text, nullable=False),
    #: The resolved procedure as canonical JSON: what a case is rebuilt and judged from.
    sa.Column("text", sa.Text, nullable=True),
    #: The plugins its rules come from, ``{plugin: {module, version}}`` (JSON).
    sa.Column("plugins", sa.Text, nullable=True),
)

#: One row per case: its opening record (hashed) and where its history stands.
cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("unit_id", sa.Text, sa.ForeignKey("units.id"), nullable=False),
    #: The candidate's id: the rules across cases look up a person's other cases by it.
    sa.Column("person_id", sa.Text, nullable=False),
    sa.Column("procedure_id", sa.Text, nullable=False),
    sa.Column("procedure_version", sa.Text, nullable=True),
    sa.Column(
        "procedure_fingerprint",
        sa.Text,
        sa.ForeignKey("procedures.fingerprint"),
        nullable=False,
    ),
    #: The candidate and the unit as they were when the case was opened (JSON).
    sa.Column("candidate", sa.Text, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("opened_at", sa.Text, nullable=False),
    #: The hash of the opening record: the chain's first link.
    sa.Column("opening_hash", sa.Text, nullable=False),
    #: Derived from the history, kept for listing: the state, and whether it is final.
    sa.Column("state", sa.Text, nullable=True),
    sa.Column("open", sa.Boolean, nullable=False),
    #: How many history rows the case has; what optimistic concurrency compares.
    sa.Column("version", sa.Integer, nullable=False),
    #: The hash of the last history row (the opening hash while there is none).
    sa.Column("head", sa.Text, nullable=False),
    #: Derived, kept for listing what is due: the earliest deadline not yet
    #: met (its due date and the event that meets it); none when nothing is pending.
    sa.Column("next_due", sa.Date, nullable=True),
    sa.Column("next_due_event", sa.Text, nullable=True),
)
sa.Index("cases_open", cases.c.open)
sa.Index("cases_unit_state", cases.c.unit_id, cases.c.state)
sa.Index("cases_state", cases.c.state)
sa.Index("cases_next_due", cases.c.next_due)
sa.Index("cases_procedure", cases.c.procedure_id)
sa.Index("cases_person", cases.c.person_id)
#: One open case per person (case.one_open), held by the database itself, so
#: that two writers opening cases for one person at once cannot both succeed.
sa.Index(
    "cases_one_open_per_person",
    cases.c.person_id,
    unique=True,
    sqlite_where=cases.c.open,
    postgresql_where=cases.c.open,
)

#: Every attempt on a case, accepted, recorded or refused; append-only and hash-chained.
history = sa.Table(
    "history",
    metadata,
    sa.Column("case_id", sa.Text, sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("event", sa.Text, nullable=False),
    sa.Column("on_date", StoredDate, nullable=False),
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
    #: The caller's id for this call (``fire(request_id=...)``), unique per case:
    #: a retry with the same id finds this row instead of writing another.
    sa.Column("request_id", sa.Text, nullable=True),
)
sa.Index("history_request", history.c.case_id, history.c.request_id, unique=True)

#: Register-wide checkpoints (``Register.checkpoint``): each case's identity, version and
#: head at one moment. The line a user keeps outside is the digest of ``listing``, so a
#: listing altered here no longer matches it.
checkpoints = sa.Table(
    "checkpoints",
    metadata,
    sa.Column("digest", sa.Text, primary_key=True),
    sa.Column("taken_at", sa.Text, nullable=False),
    sa.Column("cases", sa.Integer, nullable=False),
    sa.Column("steps", sa.Integer, nullable=False),
    #: One JSON array per line: [case id, person id, opening hash, version, head].
    sa.Column("listing", sa.Text, nullable=False),
)
