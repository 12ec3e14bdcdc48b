"""The clerk's pages in a real browser: Debian's chromium, headless, on a live server.

The server is ``admission-flow serve`` in a process of its own on 127.0.0.1;
chromium signs in with HTTP Basic (the key as the password, in the URL, as a
browser's own prompt would send it), loads the page, lays it out, and the test
reads back the DOM (``--dump-dom``) and takes a screenshot. No JavaScript runs
on these pages: the filters are a plain GET form.

Without chromium the test is skipped on a developer's machine, and fails where
``ADMISSION_FLOW_REQUIRE_BROWSER=1`` (as in CI).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.test_units_browser import chromium, headless

from .conftest import UNITS, Server, keys_file, secret, seeded


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("pages")
    db = seeded(folder)
    running = Server("--db", str(db), "--units", str(UNITS), "--keys", str(keys_file(folder)))
    yield running
    running.stop()


def page(server: Server, key: str, path: str) -> str:
    return f"http://{key}:{secret(key)}@127.0.0.1:{server.port}{path}"


def test_the_case_page_shows_history_refusal_article_and_next_steps(
    server: Server, tmp_path: Path
) -> None:
    """Diacritics, the refused attempt with its rule, and what the cell's key may fire."""
    browser = chromium()
    dumped = headless(
        browser, tmp_path / "p1", "--dump-dom", page(server, "cell-14", "/ui/cases/c-oanh")
    )
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = dumped.stdout
    assert "Võ Thị Kim Oanh" in dom
    assert "Lịch sử (kể cả lần bị từ chối)" in dom
    assert "✗ từ chối" in dom
    assert "<code>event.state</code>" in dom
    assert "[procedure definition]" in dom  # the refusal's source, cited
    assert "Quần chúng ưu tú trong danh sách tạo nguồn" in dom
    assert "Chưa có thời hạn nào" in dom  # no deadline runs before the cell's vote
    # The cell may assign a mentor now; the page says so for this key.
    assert "Khóa này có thể làm gì tiếp" in dom
    assert "<code>assign_mentor</code> (cell)" in dom

    shot = tmp_path / "case.png"
    taken = headless(
        browser,
        tmp_path / "p2",
        f"--screenshot={shot}",
        "--window-size=1200,1400",
        page(server, "cell-14", "/ui/cases/c-oanh"),
    )
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000


def test_the_unit_page_lists_its_cases_with_filters(server: Server, tmp_path: Path) -> None:
    browser = chromium()
    url = page(server, "clerk-14", "/ui/units/kdc-14?state=identified&open=true")
    dom = headless(browser, tmp_path / "p3", "--dump-dom", url).stdout
    assert "Hồ sơ của đơn vị kdc-14" in dom
    assert 'href="/ui/cases/c-oanh"' in dom
    assert "1 hồ sơ" in dom
    none = headless(
        browser,
        tmp_path / "p4",
        "--dump-dom",
        page(server, "clerk-14", "/ui/units/kdc-14?state=official"),
    ).stdout
    assert "0 hồ sơ" in none


def test_a_key_of_another_unit_gets_a_page_that_says_no(server: Server, tmp_path: Path) -> None:
    browser = chromium()
    dom = headless(
        browser, tmp_path / "p5", "--dump-dom", page(server, "cell-14", "/ui/units/kdc-15")
    ).stdout
    assert "Khóa không được phép" in dom
    assert "c-oanh" not in dom
