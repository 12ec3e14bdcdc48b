"""Reading YAML safely, keeping where every value came from.

The only module that imports ``yaml``. PyYAML composes the document into
nodes (libyaml's C parser when available, ~9x faster than the pure one); the
nodes are then turned into plain ``dict``/``list``/``str``/``int``/``float``/
``bool``/``date``/``None`` values by this module, never by PyYAML's
constructors, so no tag can build a Python object or run code.

Plain scalars follow YAML 1.2's core schema rather than PyYAML's YAML 1.1
resolver: ``on``, ``yes`` and ``no`` stay strings (the scenario format has an
``on:`` key), only ``true``/``false`` are booleans, and ``YYYY-MM-DD`` is a
date.

Whatever the file, reading it is bounded (see ``_limits`` and
``docs/limits.md``): values, nesting, the characters aliases expand to, the
size of numbers and the years of dates are limited, and each refusal is a
problem at the value's line and column.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import attrs
import yaml
from yaml.resolver import BaseResolver

from admission_flow._limits import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_MAGNITUDE,
    MAX_NODES,
    MAX_SCALAR_CHARS,
    escape,
    in_calendar,
    quote,
)
from admission_flow.exceptions import Problem

try:  # pragma: no cover - depends on how PyYAML was built
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)


__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "Mark",
    "YamlList",
    "YamlMap",
    "YamlText",
    "dump_yaml",
    "read_yaml",
]

_TAG = "tag:yaml.org,2002:"
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
#: Characters YAML does not allow in a stream (its ``c-printable`` set's
#: complement): C0 controls but tab and line breaks, DEL, C1 but NEL,
#: surrogates, U+FFFE and U+FFFF.
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


@attrs.frozen
class Mark:
    """Where a value starts: file, line and column, counted from 1."""

    file: str
    line: int
    column: int

    def problem(self, message: str) -> Problem:
        return Problem(file=self.file, line=self.line, column=self.column, message=message)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class YamlMap(dict[str, Any]):
    """A mapping read from YAML; remembers where each key and value starts."""

    __slots__ = ("key_marks", "mark", "value_marks")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.key_marks: dict[str, Mark] = {}
        self.value_marks: dict[str, Mark] = {}

    def key_mark(self, key: str) -> Mark:
        return self.key_marks.get(key, self.mark)

    def value_mark(self, key: str) -> Mark:
        return self.value_marks.get(key, self.mark)


class YamlText(str):
    """A text at the top of a document; remembers where it starts."""

    mark: Mark


class YamlList(list[Any]):
    """A sequence read from YAML; remembers where each item starts."""

    __slots__ = ("mark", "marks")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.marks: list[Mark] = []

    def item_mark(self, index: int) -> Mark:
        return self.marks[index] if index < len(self.marks) else self.mark


_NUMBERS = f"numbers in these files stay below {MAX_MAGNITUDE:,} (10^15)"

#: The tag given to plain scalars with no tag of their own; ``_Converter.plain``
#: decides what they are, while an explicit ``!!str 123`` stays text.
_PLAIN = "tag:admission-flow,2026:plain"


class _Composer(_Parser, BaseResolver):
    """Composes nodes only; resolves no implicit tag (this module does that)."""

    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        BaseResolver.__init__(self)

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            return _PLAIN
        return str(BaseResolver.resolve(self, kind, value, implicit))  # type: ignore[no-untyped-call]


class _Abort(Exception):
    """Stops converting a document that is too big or too deep."""


class _Converter:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.nodes = 0
        self.chars = 0

    def mark(self, node: yaml.Node) -> Mark:
        return Mark(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def fail(self, node: yaml.Node, message: str) -> None:
        self.problems.append(self.mark(node).problem(message))

    def convert(self, node: yaml.Node, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.fail(
                node,
                f"the document expands to more than {MAX_NODES:,} values "
                "(aliases repeated inside aliases?); write the values out or shorten the file",
            )
            raise _Abort
        if isinstance(node, yaml.ScalarNode):
            self.count_chars(node)
        if depth > MAX_DEPTH:
            self.fail(node, f"values are nested more than {MAX_DEPTH} levels deep; flatten them")
            raise _Abort
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            return self.sequence(node, depth)
        assert isinstance(node, yaml.ScalarNode)
        return self.scalar(node)

    def count_chars(self, node: yaml.ScalarNode) -> None:
        self.chars += len(node.value)
        if self.chars > MAX_SCALAR_CHARS:
            self.fail(
                node,
                f"the document's texts add up to more than {MAX_SCALAR_CHARS:,} characters "
                "(a long text repeated through aliases?); write it once or shorten the file",
            )
            raise _Abort

    def mapping(self, node: yaml.MappingNode, depth: int) -> YamlMap | None:
        if node.tag != _TAG + "map":
            self.bad_tag(node)
            return None
        result = YamlMap(self.mark(node))
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(key_node, "a key must be a plain name, not a list or a mapping")
                continue
            if key_node.tag not in (_PLAIN, _TAG + "str"):  # a tag on a key is refused too
                self.bad_tag(key_node)
                continue
            self.count_chars(key_node)
            key = str(key_node.value)
            if key in result.key_marks:
                first = result.key_marks[key]
                self.fail(
                    key_node,
                    f"duplicate key {quote(key)} (first at line {first.line}); keep one of them",
                )
                continue
            result.key_marks[key] = self.mark(key_node)
            result.value_marks[key] = self.mark(value_node)
            result[key] = self.convert(value_node, depth + 1)
        return result

    def sequence(self, node: yaml.SequenceNode, depth: int) -> YamlList | None:
        if node.tag != _TAG + "seq":
            self.bad_tag(node)
            return None
        result = YamlList(self.mark(node))
        for item in node.value:
            result.marks.append(self.mark(item))
            result.append(self.convert(item, depth + 1))
        return result

    def scalar(self, node: yaml.ScalarNode) -> Any:
        text: str = node.value
        tag: str = node.tag
        if tag == _PLAIN:
            return self.plain(node, text)
        if tag == _TAG + "str":
            return text
        if tag == _TAG + "int" and _INT.match(text):
            return self.integer(node, text)
        if tag == _TAG + "float" and _FLOAT.match(text):
            return self.decimal(node, text)
        if tag == _TAG + "bool" and text in _TRUE | _FALSE:
            return text in _TRUE
        if tag == _TAG + "null" and text in _NULLS:
            return None
        if tag == _TAG + "timestamp" and _DATE.match(text):
            return self.date(node, text)
        self.bad_tag(node)
        return None

    def plain(self, node: yaml.ScalarNode, text: str) -> Any:
        if text in _NULLS:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        if _INT.match(text):
            return self.integer(node, text)
        if _FLOAT.match(text):
            return self.decimal(node, text)
        if _DATE.match(text):
            return self.date(node, text)
        return text

    def integer(self, node: yaml.ScalarNode, text: str) -> int | None:
        # Count digits before converting: int() of a 5,000-digit text raises.
        if len(text.lstrip("+-").lstrip("0")) > MAX_DIGITS:
            self.fail(node, f"the number {quote(text)} is too large; {_NUMBERS}")
            return None
        return int(text)

    def decimal(self, node: yaml.ScalarNode, text: str) -> float | None:
        value = float(text)
        if not math.isfinite(value) or abs(value) >= MAX_MAGNITUDE:
            self.fail(node, f"the number {quote(text)} is too large; {_NUMBERS}")
            return None
        return value

    def date(self, node: yaml.ScalarNode, text: str) -> dt.date | None:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            self.fail(node, f"'{text}' is not a real date; check the day and the month")
            return None
        if not in_calendar(day):
            self.fail(
                node,
                f"the date {text} is outside the years {FIRST_YEAR}-{LAST_YEAR} "
                "that deadlines are counted in; check the year",
            )
            return None
        return day

    def bad_tag(self, node: yaml.Node) -> None:
        tag = node.tag.replace(_TAG, "!!")
        self.fail(
            node,
            f"tag {quote(tag)} is not allowed: these files hold plain data only; remove the tag",
        )


def read_yaml(text: str, file: str) -> tuple[Any, list[Problem]]:
    """Read one YAML document into plain values with marks.

    Returns the document (``None`` for an empty one) and the problems found.
    A syntax error is one problem and yields ``None``; other problems (a
    forbidden tag, a duplicate key, an impossible date) leave the rest of the
    document readable, so that a caller can report every problem at once.
    """
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        # Found here, not by the parser, so that the position is the character's
        # own (libyaml stops at 1:1 with a message over two lines).
        start = bad.start()
        line_start = text.rfind("\n", 0, start) + 1
        where = Mark(file, text.count("\n", 0, start) + 1, start - line_start + 1)
        shown = escape(bad.group())
        return None, [
            where.problem(
                f"the character U+{ord(bad.group()):04X} ({shown}) is not allowed in a "
                "YAML file; remove it, or write it as an escape inside double quotes"
            )
        ]
    composer = _Composer(text)
    try:
        node = composer.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Mark(file, mark.line + 1, mark.column + 1) if mark else Mark(file, 1, 1)
        reason = error.problem or "not valid YAML"
        if error.context:
            reason = f"{reason} ({error.context})"
        return None, [where.problem(f"{reason}; fix the YAML syntax here")]
    except yaml.YAMLError as error:  # pragma: no cover - libyaml reports marks
        reason = " ".join(str(error).split())
        return None, [Problem(file=file, line=1, column=1, message=f"not valid YAML: {reason}")]
    finally:
        composer.dispose()
    if node is None:
        return None, []
    converter = _Converter(file)
    try:
        value = converter.convert(node)
        if isinstance(node, yaml.ScalarNode) and isinstance(value, str):
            value = YamlText(value)
            value.mark = converter.mark(node)
    except _Abort:
        value = None
    except RecursionError:  # pragma: no cover - guarded by MAX_DEPTH
        converter.problems.append(Problem(file=file, line=1, column=1, message="nested too deep"))
        value = None
    return value, converter.problems


def dump_yaml(value: Any) -> str:
    """Plain values (mappings, lists, text, numbers, booleans, dates) as block YAML.

    Keys keep their order; text stays as it is written (Vietnamese included);
    ``read_yaml`` reads the result back to the same values.
    """
    return str(
        yaml.safe_dump(
            _plain(value), allow_unicode=True, sort_keys=False, width=100, default_flow_style=False
        )
    )


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    return value
