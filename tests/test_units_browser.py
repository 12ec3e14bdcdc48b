"""The HTML report in a real browser: Debian's chromium, headless, offline.

The page must show its figures to a person who opens it, not only contain them:
chromium loads the file, lays it out and renders the inline SVG, and the test
reads back the DOM it built (``--dump-dom``) and takes a screenshot.

Without chromium the test is skipped on a developer's machine, and fails where
``ADMISSION_FLOW_REQUIRE_BROWSER=1`` (CI sets it, after installing chromium), so
that CI can never pass without having looked.

(This module and test_units_reports.py sort after test_routers_agree.py: one of
that module's statistical tests, ``test_the_runs_reach_deep_states[appeal]``, was
seen to change outcome when the report's renderers had been imported before it.)
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import admission_flow as af
from admission_flow import reports, units

DATA = Path(__file__).resolve().parent / "data" / "units"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    message = (
        "chromium is not installed (apt-get install -y chromium); the HTML report cannot be "
        "checked in a browser"
    )
    if os.environ.get("ADMISSION_FLOW_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def headless(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_html_report_shows_its_figures_in_a_browser(tmp_path: Path) -> None:
    """Chromium renders the page: the title, the tables and the chart's figures are there."""
    browser = chromium()
    tree = units.load_units(DATA / "good.yaml")
    report = reports.build_report(
        tree, [], dt.date(2023, 6, 30), plugins=af.Plugins(entry_points=False)
    )
    page = tmp_path / "report.html"
    page.write_text(reports.render_html(report), encoding="utf-8")

    dumped = headless(browser, tmp_path / "profile-1", "--dump-dom", page.as_uri())
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = dumped.stdout
    assert "Báo cáo tạo nguồn, phát triển đảng viên" in dom
    assert "Source and admission report as of 2023-06-30" in dom
    assert "0 / 25 = 0%" in dom  # the ward's term, in its chart and its table
    assert "0 / 10 = 0%" in dom  # the cell's plan for the quarter
    assert "<svg" in dom
    assert "2 / 3" in dom  # key officials of cell-1 who are not members

    shot = tmp_path / "report.png"
    taken = headless(
        browser,
        tmp_path / "profile-2",
        f"--screenshot={shot}",
        "--window-size=1200,1600",
        page.as_uri(),
    )
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank one
