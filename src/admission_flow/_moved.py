"""Names that moved to another public module, kept working with a ``DeprecationWarning``.

A public module that gave a name away keeps a module ``__getattr__`` built here
(as pluggy and attrs do), so that ``admission_flow.EventSpec`` still works, warns
once per call site, and says where the name lives now. The new home is imported
by name only when an old name is used, so this module imports nothing of the
package and no layer learns of one above it.
"""

from __future__ import annotations

import importlib
import sys
import warnings

TYPE_CHECKING = False  # not typing's: importing typing would cost more than this module
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

__all__ = ["moved_names"]


def moved_names(
    module: str, moves: Mapping[str, str], *, stacklevel: int = 2
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``module`` whose old names ``moves`` map to their homes.

    Args:
        module: the module that gave the names away (``"admission_flow"``).
        moves: each old name to its new place, ``"admission_flow.spec.EventSpec"``.
        stacklevel: 2 when the result is the module's ``__getattr__``; one more for each
            function between it and the user's code, so that the warning names their line.
    """

    def __getattr__(name: str) -> Any:
        place = moves.get(name)
        if place is None:
            raise AttributeError(f"module '{module}' has no attribute '{name}'")
        home, _, new = place.rpartition(".")
        value = getattr(importlib.import_module(home), new)
        # ``from package import name`` asks ``hasattr`` first (in importlib), then gets the
        # name in the user's code: warn once, for the user's line.
        if sys._getframe(stacklevel - 1).f_code.co_filename.startswith("<frozen importlib"):
            return value
        warnings.warn(
            f"{module}.{name} is deprecated: use {place} "
            f"(the old name will be removed in a later release)",
            DeprecationWarning,
            stacklevel=stacklevel,
        )
        return value

    return __getattr__
