"""Checking values read from YAML, collecting every problem with its position.

The procedure and scenario loaders use one ``Reader`` each: it never stops at
the first problem, so a user sees every mistake of a file in one run, each as
``file:line:col: message``, with "did you mean" where a name is misspelled.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Collection
from pathlib import Path
from typing import Any

from admission_flow._limits import DEFAULT_MAXIMUM, MAX_FILE_BYTES, cut, quote
from admission_flow.exceptions import FileProblemError, Problem
from admission_flow.model._values import Text
from admission_flow.model._vocabulary import NAME
from admission_flow.model._words import describe, did_you_mean

from ._yaml import Mark, YamlList, YamlMap, YamlText, read_yaml

__all__ = ["NAME", "Reader", "describe", "did_you_mean", "read_file"]


def _at(where: str, key: str) -> str:
    """``events.x.to`` for a key under ``events.x``; just ``title`` at a file's top."""
    return key if where.startswith("the ") else f"{where}.{key}"


def read_file(
    path: str | Path, *, display: str | None = None, error: type[FileProblemError]
) -> tuple[Any, str]:
    """Read a YAML file into marked values, or raise ``error`` with its problems.

    Only a regular file is read (a device, a pipe or a socket is refused with
    one problem), and at most ``MAX_FILE_BYTES`` + 1 bytes of it.
    """
    name = display if display is not None else str(path)

    def refuse(message: str, line: int = 1, column: int = 1) -> FileProblemError:
        return error([Problem(file=name, line=line, column=column, message=message)])

    try:
        data = _read_bytes(path)
    except FileNotFoundError:
        raise refuse("no such file") from None
    except IsADirectoryError:
        raise refuse("a folder, not a file") from None
    except _NotRegular:
        raise refuse(
            "not a regular file (a device, a pipe or a socket); give the path of a YAML file"
        ) from None
    except _TooLarge:
        raise refuse(
            f"the file is larger than {MAX_FILE_BYTES:,} bytes; split it or shorten it"
        ) from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a valid path"
        raise refuse(f"cannot be read: {reason}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        raise refuse(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x}: {exc.reason}); save it as UTF-8",
            data.count(b"\n", 0, exc.start) + 1,
            column,
        ) from None
    value, problems = read_yaml(text, name)
    if problems:
        raise error(problems)
    return value, name


class NotRegularFile(Exception):
    """The path names a device, a pipe or a socket."""


class FileTooLarge(Exception):
    """The file holds more than ``MAX_FILE_BYTES``."""


_NotRegular = NotRegularFile
_TooLarge = FileTooLarge


def read_bytes(path: str | Path) -> bytes:
    """At most ``MAX_FILE_BYTES`` of a regular file (a device, pipe or socket is refused unread).

    Raises:
        NotRegularFile, FileTooLarge, IsADirectoryError, OSError.
    """
    return _read_bytes(path)


def _read_bytes(path: str | Path) -> bytes:
    # O_NONBLOCK: opening a FIFO must not wait for a writer before it is refused.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as file:
        mode = os.fstat(file.fileno()).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError
        if not stat.S_ISREG(mode):
            raise _NotRegular
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _TooLarge
    return data


class Reader:
    """Collects problems while checking the shape of one file's values."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, mark: Mark, message: str) -> None:
        self.problems.append(mark.problem(message))

    def raise_if_any(self, error: type[FileProblemError]) -> None:
        if self.problems:
            raise error(self.problems)

    # -- containers ---------------------------------------------------------

    def root(self, value: Any, what: str) -> YamlMap | None:
        """The top of a file must be a mapping."""
        if isinstance(value, YamlMap):
            return value
        mark = Mark(self.file, 1, 1)
        if value is None:
            self.add(mark, f"the file is empty; a {what} file is a mapping of keys to values")
        else:
            if isinstance(value, YamlList | YamlText):
                mark = value.mark
            self.add(
                mark, f"a {what} file must be a mapping of keys to values, not {describe(value)}"
            )
        return None

    def mapping(
        self, parent: YamlMap, key: str, where: str, *, required: bool = False
    ) -> YamlMap | None:
        """``parent[key]`` as a mapping, or ``None`` (with a problem if it is wrong)."""
        if key not in parent:
            if required:
                self.add(parent.mark, f"missing '{key}' in {where}")
            return None
        value = parent[key]
        if isinstance(value, YamlMap):
            return value
        if value is None and not required:
            return None
        self.add(
            parent.value_mark(key), f"{_at(where, key)} must be a mapping, not {describe(value)}"
        )
        return None

    def sequence(
        self, parent: YamlMap, key: str, where: str, *, required: bool = False
    ) -> YamlList | None:
        if key not in parent:
            if required:
                self.add(parent.mark, f"missing '{key}' in {where}")
            return None
        value = parent[key]
        if isinstance(value, YamlList):
            return value
        self.add(parent.value_mark(key), f"{_at(where, key)} must be a list, not {describe(value)}")
        return None

    def keys(
        self,
        mapping: YamlMap,
        where: str,
        *,
        required: Collection[str] = (),
        optional: Collection[str] = (),
    ) -> None:
        """Report unknown keys (with a suggestion) and missing required ones."""
        allowed = set(required) | set(optional)
        for key in mapping:
            if key not in allowed:
                self.add(
                    mapping.key_mark(key),
                    f"unknown key {quote(key)} in {where}{did_you_mean(key, allowed)}",
                )
        for key in required:
            if key not in mapping:
                self.add(mapping.mark, f"missing '{key}' in {where}")

    # -- scalars ------------------------------------------------------------

    def string(
        self,
        parent: YamlMap,
        key: str,
        where: str,
        *,
        required: bool = False,
        pattern: re.Pattern[str] | None = None,
        hint: str = "use lower-case letters, digits and '_'",
    ) -> str | None:
        if key not in parent:
            if required:
                self.add(parent.mark, f"missing '{key}' in {where}")
            return None
        value = parent[key]
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.add(
                parent.value_mark(key), f"{_at(where, key)} must be text, not {describe(value)}"
            )
            return None
        value = str(value)
        if not value.strip():
            self.add(parent.value_mark(key), f"{_at(where, key)} must not be empty")
            return None
        if pattern is not None and not pattern.match(value):
            self.add(
                parent.value_mark(key),
                f"{_at(where, key)} {quote(value)} is not a valid name: {hint}",
            )
            return None
        return value

    def boolean(self, parent: YamlMap, key: str, where: str, *, default: bool = False) -> bool:
        if key not in parent:
            return default
        value = parent[key]
        if not isinstance(value, bool):
            self.add(
                parent.value_mark(key),
                f"{_at(where, key)} must be true or false, not {describe(value)}",
            )
            return default
        return value

    def integer(
        self,
        parent: YamlMap,
        key: str,
        where: str,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int = DEFAULT_MAXIMUM,
    ) -> int | None:
        """A whole number from ``minimum`` (if given) to ``maximum``.

        ``maximum`` defaults to ``DEFAULT_MAXIMUM`` (see ``docs/limits.md``), so
        that no count large enough to overflow date arithmetic passes unnoticed.
        """
        if key not in parent:
            if required:
                self.add(parent.mark, f"missing '{key}' in {where}")
            return None
        value = parent[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(
                parent.value_mark(key),
                f"{_at(where, key)} must be a whole number, not {describe(value)}",
            )
            return None
        if minimum is not None and value < minimum:
            self.add(
                parent.value_mark(key), f"{_at(where, key)} must be at least {minimum}, not {value}"
            )
            return None
        if value > maximum:
            self.add(
                parent.value_mark(key),
                f"{_at(where, key)} must be at most {maximum:,}, not {value:,}",
            )
            return None
        return value

    def date(
        self, parent: YamlMap, key: str, where: str, *, required: bool = False
    ) -> dt.date | None:
        if key not in parent:
            if required:
                self.add(parent.mark, f"missing '{key}' in {where}")
            return None
        value = parent[key]
        if not isinstance(value, dt.date):
            self.add(
                parent.value_mark(key),
                f"{_at(where, key)} must be a date written YYYY-MM-DD, not {describe(value)}",
            )
            return None
        return value

    def choice(
        self,
        parent: YamlMap,
        key: str,
        where: str,
        choices: Collection[str],
        *,
        required: bool = False,
    ) -> str | None:
        value = self.string(parent, key, where, required=required)
        if value is None:
            return None
        if value not in choices:
            self.add(
                parent.value_mark(key),
                f"{_at(where, key)} is {quote(value)}, not one of {', '.join(choices)}"
                f"{did_you_mean(value, choices)}",
            )
            return None
        return value

    def text(
        self, parent: YamlMap, key: str | None, where: str, *, required: bool = True
    ) -> Text | None:
        """A message in both languages: ``{vi: ..., en: ...}`` (or the keys on ``parent`` itself)."""
        if key is None:
            holder: YamlMap | None = parent
            inner = where
        else:
            holder = self.mapping(parent, key, where, required=required)
            inner = key if where == "the procedure" else f"{_at(where, key)}"
        if holder is None:
            return None
        missing = [lang for lang in ("vi", "en") if lang not in holder]
        if missing and (required or len(missing) == 1):
            self.add(
                holder.mark,
                f"missing {' and '.join(repr(m) for m in missing)} in {inner}: "
                "every text a user reads needs Vietnamese ('vi') and English ('en')",
            )
            return None
        if missing:
            return None
        vi = self.string(holder, "vi", inner)
        en = self.string(holder, "en", inner)
        if vi is None or en is None:
            return None
        return Text(vi, en)

    def names(
        self,
        parent: YamlMap,
        key: str,
        where: str,
        *,
        required: bool = True,
        allow_empty: bool = False,
    ) -> list[tuple[str, Mark]]:
        """One name or a list of names, each with its mark; duplicates are reported."""
        if key not in parent:
            if required:
                self.add(parent.mark, f"missing '{key}' in {where}")
            return []
        value = parent[key]
        items: list[tuple[Any, Mark]]
        if isinstance(value, YamlList):
            items = [(item, value.item_mark(i)) for i, item in enumerate(value)]
            if not items and not allow_empty:
                self.add(parent.value_mark(key), f"{_at(where, key)} must name at least one")
        else:
            items = [(value, parent.value_mark(key))]
        result: list[tuple[str, Mark]] = []
        seen: set[str] = set()
        for item, mark in items:
            if not isinstance(item, str):
                self.add(mark, f"{_at(where, key)} must hold names, not {describe(item)}")
            elif item in seen:
                self.add(mark, f"{quote(item)} is named twice in {where}.{key}")
            else:
                seen.add(item)
                result.append((item, mark))
        return result

    def known(self, name: str, mark: Mark, known: Collection[str], what: str, where: str) -> bool:
        """Whether ``name`` is one of ``known``; reports an unknown ``what`` otherwise."""
        if name in known:
            return True
        hint = did_you_mean(name, known)
        if not hint and 0 < len(known) <= 12:
            hint = f"; known: {', '.join(cut(k) for k in sorted(known))}"
        self.add(mark, f"unknown {what} {quote(name)} in {where}{hint}")
        return False
