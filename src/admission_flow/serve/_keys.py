"""Keys: who a caller is, and which units it may act on or read.

A keys file (YAML, read by the project's safe reader) lists each key by its
SHA-256 digest, never the key itself, with the role it acts as, the member it
is when the role is a person's (``member``), and its units::

    keys:
      - name: clerk-kdc-14            # shown in logs and pages; never the key
        sha256: 5e88489...            # sha256 of the key, 64 hex digits
        role: cell
        units: [kdc-14]               # may read and act on these ("*": every unit)
        read: [kdc-01]                # may also read these

A presented key is hashed and compared with every digest in constant time
(``hmac.compare_digest``, no early exit), so that neither the answer nor its
timing tells how much of a guess was right.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from admission_flow.exceptions import FileProblemError
from admission_flow.procedure._reading import Reader, read_file
from admission_flow.procedure._yaml import YamlMap

__all__ = ["ALL_UNITS", "Key", "Keys", "KeysFileError", "hash_key", "load_keys", "new_key"]

#: The unit list that covers every unit (a district's competent committee, an auditor).
ALL_UNITS = "*"
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,79}$")


class KeysFileError(FileProblemError):
    """A keys file is malformed: every problem, each as ``file:line:col: message``."""

    code = "bad_keys_file"


def hash_key(key: str) -> str:
    """The digest a keys file keeps for ``key``: SHA-256 of its UTF-8 bytes, in hex."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A new random key: 32 bytes from the system's random source, URL-safe text."""
    return secrets.token_urlsafe(32)


@attrs.frozen(kw_only=True)
class Key:
    """One caller: the role it acts as, the member it is, the units it may act on or read."""

    name: str
    role: str
    #: The member acting in person, for a role that is a person's (``member``).
    actor: str | None = None
    #: The units it may act on (and read); ``("*",)`` for every unit.
    units: tuple[str, ...] = ()
    #: The units it may read besides those.
    read: tuple[str, ...] = ()
    digest: str = attrs.field(default="", repr=False)

    @property
    def every_unit(self) -> bool:
        return ALL_UNITS in self.units

    def may_act(self, unit: str) -> bool:
        return self.every_unit or unit in self.units

    def may_read(self, unit: str) -> bool:
        return self.may_act(unit) or ALL_UNITS in self.read or unit in self.read

    def readable(self) -> tuple[str, ...] | None:
        """The units it may read, sorted; ``None`` when it may read every unit."""
        if self.every_unit or ALL_UNITS in self.read:
            return None
        return tuple(sorted({*self.units, *self.read}))


#: The caller when the server runs with ``--no-auth``: any role, every unit.
OPEN = Key(name="no-auth", role="*", units=(ALL_UNITS,))


class Keys:
    """The keys of a keys file, looked up by a presented key in constant time."""

    def __init__(self, keys: Iterable[Key]) -> None:
        self._keys = tuple(keys)
        self._digests = [bytes.fromhex(k.digest) for k in self._keys]

    def __len__(self) -> int:
        return len(self._keys)

    def find(self, presented: str) -> Key | None:
        """The key whose digest is ``presented``'s, or ``None``; every digest is compared."""
        digest = hashlib.sha256(presented.encode("utf-8", "surrogateescape")).digest()
        found: Key | None = None
        for key, kept in zip(self._keys, self._digests, strict=True):
            if hmac.compare_digest(digest, kept):
                found = key
        return found


def load_keys(path: str | Path, *, roles: Mapping[str, bool] | None = None) -> Keys:
    """Read a keys file; every problem is reported at once (``KeysFileError``).

    Args:
        roles: the roles a key may name, each with whether it is a person's (a
            ``member`` key then needs its ``actor``); any role when not given.
    """
    value, name = read_file(path, error=KeysFileError)
    reader = Reader(name)
    keys = _Loader(reader, roles).load(value)
    reader.raise_if_any(KeysFileError)
    return Keys(keys)


@attrs.define
class _Loader:
    reader: Reader
    roles: Mapping[str, bool] | None

    def load(self, value: Any) -> list[Key]:
        r = self.reader
        root = r.root(value, "keys")
        if root is None:
            return []
        r.keys(root, "the keys file", required=("keys",))
        items = r.sequence(root, "keys", "the keys file", required=True)
        found: list[Key] = []
        seen: dict[str, int] = {}
        for index, entry in enumerate(items or ()):
            assert items is not None
            where = f"keys[{index}]"
            if not isinstance(entry, YamlMap):
                r.add(items.item_mark(index), f"{where} must be a mapping (name, sha256, role...)")
                continue
            key = self.key(entry, where)
            if key is None:
                continue
            for earlier, line in ((key.digest, "sha256"), (f"name:{key.name}", "name")):
                if earlier in seen:
                    r.add(
                        entry.value_mark(line),
                        f"{where}.{line} repeats the {line} of line {seen[earlier]}; "
                        "give each key its own",
                    )
                seen.setdefault(earlier, entry.value_mark(line).line)
            found.append(key)
        if items is not None and not items:
            r.add(items.mark, "'keys' is empty; list at least one key")
        return found

    def key(self, entry: YamlMap, where: str) -> Key | None:
        r = self.reader
        before = len(r.problems)
        r.keys(
            entry,
            where,
            required=("name", "sha256", "role", "units"),
            optional=("actor", "read"),
        )
        name = r.string(
            entry,
            "name",
            where,
            required=True,
            pattern=_NAME,
            hint="use letters, digits and - _ . @",
        )
        digest = r.string(entry, "sha256", where, required=True)
        if digest is not None and not _DIGEST.match(digest):
            r.add(
                entry.value_mark("sha256"),
                f"{where}.sha256 is 64 lower-case hex digits (the SHA-256 of the key: "
                "admission-flow serve-key prints one), not a key itself",
            )
        role = r.string(entry, "role", where, required=True)
        actor = r.string(entry, "actor", where)
        if (
            role is not None
            and self.roles is not None
            and r.known(role, entry.value_mark("role"), self.roles, "role", where)
        ):
            if self.roles[role] and actor is None:
                r.add(
                    entry.mark,
                    f"{where}: role '{role}' is a person's; give the member's id as 'actor'",
                )
            if not self.roles[role] and actor is not None:
                r.add(
                    entry.value_mark("actor"),
                    f"{where}.actor: role '{role}' is not one person's; remove 'actor'",
                )
        units = [n for n, _ in r.names(entry, "units", where)]
        read = [n for n, _ in r.names(entry, "read", where, required=False, allow_empty=True)]
        if len(r.problems) > before:
            return None
        assert name is not None
        assert digest is not None
        assert role is not None
        return Key(
            name=name, role=role, actor=actor, units=tuple(units), read=tuple(read), digest=digest
        )
