"""The renderers, imported when first used.

The HTML page needs nothing beyond the library; the terminal tables need rich
(the ``report`` extra), so importing ``admission_flow.reports`` must not.
"""

from __future__ import annotations

from typing import TextIO

from ._compute import Report

__all__ = ["render_html", "render_terminal"]


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page with inline SVG charts."""
    from ._html import render_html as render

    return render(report)


def render_terminal(report: Report, out: TextIO, *, width: int | None = None) -> None:
    """Print the report as tables (needs rich, the ``report`` extra).

    Raises:
        ImportError: rich is not installed (``pip install 'admission-flow[report]'``).
    """
    from ._terminal import render_terminal as render

    render(report, out, width=width)
