"""The database's errors as the register's typed ones: no driver exception escapes.

A service answers each ``code`` without importing SQLAlchemy (503 for
``unavailable``, 409 for ``conflict``, 422 for ``constraint``...). A message
names the database by its scheme and name only: a driver's own text is
cleaned of the user, password, host and port before it is shown.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa

from admission_flow.exceptions import (
    AdmissionFlowError,
    ConflictError,
    ConstraintError,
    SchemaError,
    StoreError,
    UnavailableError,
)

__all__ = ["describe_url", "guarded", "is_driver_error", "is_integrity_error", "translate"]

P = ParamSpec("P")
R = TypeVar("R")

#: SQLSTATE classes of a server that cannot serve now: connection exceptions (08),
#: too many clients or out of resources (53), an operator shut it down (57).
_UNAVAILABLE_CLASSES = ("08", "53", "57")
#: A serialisation failure or a deadlock: the transaction lost a race, nothing was kept.
_LOST_RACE = ("40001", "40P01")
#: SQLite's words for a schema it does not have.
_NO_SCHEMA = ("no such table", "no such column")


def describe_url(url: sa.URL) -> str:
    """The database as messages show it: its scheme and name, never a user, host or port."""
    return f"{url.get_backend_name()}:{url.database or ''}"


def _scrub(text: str, url: sa.URL) -> str:
    """A driver's message without the URL's secrets or whereabouts."""
    text = re.sub(r'server at "[^"]*"(?: \([^)]*\))?, port \d+', "server", text)
    text = re.sub(r'(?:on )?socket "[^"]*"', "socket", text)
    text = re.sub(r"\bport \d+", "port …", text)
    secrets = [url.password, url.host, url.username, *map(str, url.query.values())]
    if url.port is not None:
        secrets.append(str(url.port))
    for secret in secrets:
        if secret and len(str(secret)) > 1:
            text = text.replace(str(secret), "…")
    return text


def _reason(exc: BaseException, url: sa.URL) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    first = lines[0].strip() if lines else type(original).__name__
    return _scrub(first, url)


def is_driver_error(exc: BaseException) -> bool:
    """An exception of a database driver itself (sqlite3, psycopg), raised past SQLAlchemy."""
    module = type(exc).__module__
    return module.startswith(("sqlite3", "psycopg", "_sqlite3"))


def is_integrity_error(exc: BaseException) -> bool:
    """A constraint violation, as SQLAlchemy wraps it or as the driver raises it."""
    if isinstance(exc, sa.exc.IntegrityError):
        return True
    return is_driver_error(exc) and any(
        kind.__name__ == "IntegrityError" for kind in type(exc).__mro__
    )


def translate(exc: BaseException, url: sa.URL, doing: str) -> StoreError:
    """The typed error for a database exception met while ``doing`` something.

    A constraint violation is ``ConstraintError``, never ``ConflictError``:
    retrying it cannot help. The callers that expect a particular constraint
    (a case's id, a request id) catch ``IntegrityError`` themselves first.
    """
    where = describe_url(url)
    reason = _reason(exc, url)
    original = getattr(exc, "orig", None) or exc
    state = getattr(original, "sqlstate", None) or getattr(
        getattr(original, "diag", None), "sqlstate", None
    )
    head = f"{where}: {doing}"
    if isinstance(exc, sa.exc.TimeoutError):
        return UnavailableError(
            f"{head}: every connection of the pool is in use; nothing was written; retry later"
        )
    if state in _LOST_RACE:
        return ConflictError(
            f"{head}: lost a race with another writer ({reason}); nothing was written; "
            "load the case again and retry"
        )
    if is_integrity_error(exc) or is_integrity_error(original):
        return ConstraintError(f"{head}: a database constraint refused it: {reason}")
    lowered = reason.lower()
    if any(words in lowered for words in _NO_SCHEMA) or (state or "").startswith("42P01"):
        return SchemaError(
            f"{head}: the database lacks a table or column of the register ({reason}); "
            "upgrade it with Register.create(url)"
        )
    invalidated = isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated
    if (
        invalidated
        or isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError)
        or (state or "")[:2] in _UNAVAILABLE_CLASSES
        or any(k.__name__ in ("OperationalError", "InterfaceError") for k in type(original).__mro__)
    ):
        return UnavailableError(
            f"{head}: the database is unavailable ({reason}); nothing was written; retry later"
        )
    return StoreError(f"{head}: {reason}")


class _Guarded:
    """``guarded``'s context manager: a class, not a generator, as it wraps every step
    (entering and leaving a generator's cost a step more than its own checks)."""

    __slots__ = ("doing", "url")

    def __init__(self, url: sa.URL, doing: str) -> None:
        self.url = url
        self.doing = doing

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, traceback: object) -> None:
        """Raise the typed error for a database's own; anything else is raised on as it is."""
        if exc is None or isinstance(exc, AdmissionFlowError) or not isinstance(exc, Exception):
            return
        if isinstance(exc, sa.exc.SQLAlchemyError) or is_driver_error(exc):
            raise translate(exc, self.url, self.doing) from None


def guarded(url: sa.URL, doing: str) -> contextlib.AbstractContextManager[None]:
    """Turn any database exception raised inside into the register's typed error."""
    return _Guarded(url, doing)


def guard(doing: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A method of an object with a ``db`` engine, its database errors typed (see ``guarded``)."""

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(method)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            owner: Any = args[0]
            with guarded(owner.db.url, doing):
                return method(*args, **kwargs)

        return wrapper

    return decorate
