"""Names a package's ``__init__`` hands out on first use (PEP 562), so that importing it is cheap.

``import admission_flow`` loads nothing but this and the version: each public name is
imported from its home module the first time it is read (``admission_flow.Engine``,
``from admission_flow import Engine``), and kept in the package's namespace so that the
next read is an ordinary attribute. The homes are spelled out twice in the package's
``__init__``: in an ``if TYPE_CHECKING:`` block, which type checkers, IDEs and
``tests/test_architecture.py`` read, and in the table handed to ``lazy_names``;
``tests/test_imports.py`` holds that the two agree.
"""

from __future__ import annotations

import importlib
import sys

TYPE_CHECKING = False  # not typing's: importing typing would cost more than this module
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any

__all__ = ["lazy_names"]


def lazy_names(
    package: str,
    homes: Mapping[str, Iterable[str]],
    fallback: Callable[[str], Any] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` for ``package``.

    Args:
        package: the package's ``__name__``.
        homes: each home module, relative to ``package`` (``".engine._engine"``), to the names
            it gives the package.
        fallback: asked for any other name (the old names of ``_moved.moved_names``); without
            it such a name raises ``AttributeError``.
    """
    where = {name: module for module, names in homes.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            if fallback is not None:
                return fallback(name)
            raise AttributeError(f"module '{package}' has no attribute '{name}'")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return __getattr__, __dir__
