"""Reports on units: the Liên Chiểu example's figures, `admission-flow report`, its outputs.

(Named after test_routers_agree on purpose: see the note in test_units_browser.py.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import importlib
import io
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import admission_flow as af
from admission_flow import reports, units
from admission_flow.cli import _main as _cli
from admission_flow.reports import _words as reports_words

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "lien-chieu"
DATA = Path(__file__).resolve().parent / "data" / "units"
D = dt.date


@pytest.fixture(scope="module")
def example() -> Iterator[ModuleType]:
    """The example's run module, importable with its events module beside it."""
    sys.path.insert(0, str(EXAMPLE))
    try:
        yield importlib.import_module("run")
    finally:
        sys.path.remove(str(EXAMPLE))
        for name in ("run", "events"):
            sys.modules.pop(name, None)


@pytest.fixture(scope="module")
def lien_chieu_cases(
    example: ModuleType, tmp_path_factory: pytest.TempPathFactory
) -> list[af.Case]:
    """The example's cases, kept in an SQLite register and read back, as run.py does."""
    from admission_flow.store import Register

    events = sys.modules["events"]
    plugins = af.Plugins()
    tree = units.load_units(EXAMPLE / "units.yaml", kinds=plugins.unit_kinds())
    procedure = af.load_procedure("vn-2021", plugins=plugins)
    path = tmp_path_factory.mktemp("lien-chieu") / "lien-chieu.db"
    with Register.create(path, plugins=plugins) as register:
        example.keep_all(register, procedure, tree, events.stories(tree))
        assert register.verify() == []
        return [stored.case for stored in register.cases()]


@pytest.fixture(scope="module")
def lien_chieu(lien_chieu_cases: list[af.Case]) -> reports.Report:
    """The example's report, made the way run.py makes it."""
    events = sys.modules["events"]
    plugins = af.Plugins()
    tree = units.load_units(EXAMPLE / "units.yaml", kinds=plugins.unit_kinds())
    return reports.build_report(tree, lien_chieu_cases, events.AS_OF, plugins=plugins)


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = _cli.main(list(argv))
    return status, out.getvalue(), err.getvalue()


# -- the article's figures, counted ---------------------------------------------------


def test_the_ward_of_the_article(lien_chieu: reports.Report) -> None:
    """Hòa Hiệp Bắc: 457 members in 24 cells, 73 to the course this term, 20 of 25 = 80%."""
    ward = lien_chieu.unit("hoa-hiep-bac")
    assert ward.official_members == 457
    assert ward.pipeline["course"] == 73
    assert ward.term is not None
    assert (ward.term.reached, ward.term.target.count, ward.term.percent) == (20, 25, 80.0)
    assert ward.pipeline["admitted"] == 20


def test_the_cell_of_residential_area_14(lien_chieu: reports.Report) -> None:
    """KDC 14: 29 members, 7 of 13 key officials not members, 2 of 10 to the course in Q2."""
    cell = lien_chieu.unit("kdc-14")
    assert cell.official_members == 29
    assert (len(cell.positions.not_members), cell.positions.holders) == (7, 13)
    [plan] = cell.plans
    assert (plan.target.stage, plan.target.count, plan.reached) == ("course", 10, 2)


def test_annual_growth_against_three_to_four_percent(lien_chieu: reports.Report) -> None:
    """The year's admissions against 3–4% of the members at its start, per unit."""
    ward = lien_chieu.unit("hoa-hiep-bac")
    assert ward.annual is not None
    # Revision 3, item 11: all members at the start of the year, official (457 on the
    # file) and probationary (8 of the ward's register cases were on 2023-01-01).
    assert (ward.annual.members, ward.annual.low, ward.annual.high) == (465, 14, 18)
    assert ward.official_members == 457
    assert ward.annual.admitted == 7
    assert not ward.annual.met
    district = lien_chieu.unit("lien-chieu")
    assert district.annual is not None
    assert (district.annual.members, district.annual.admitted) == (639 + 11, 10)


def test_the_rule_packs_find_what_the_unit_file_asks(lien_chieu: reports.Report) -> None:
    """School positions, residential-group heads and sector targets, from the unit data."""
    found = {(f.unit, f.rule): f for f in lien_chieu.findings()}
    assert (
        set(found)
        == {
            ("lien-chieu", "residential.members_among"),
            ("lien-chieu", "sector.annual_target"),
            ("thpt-lc", "school.members_in_positions"),
        }
        or len(found) == 3
    )
    school = found["thpt-lc", "school.members_in_positions"]
    assert school.people == ("p-thpt-01", "p-thpt-02", "p-thpt-03")
    heads = found["lien-chieu", "residential.members_among"]
    assert heads.figures["holders"] == 67
    assert heads.figures["members"] == 55
    assert not heads.met
    sectors = [f for f in lien_chieu.findings() if f.rule == "sector.annual_target"]
    assert [f.figures["kind"] for f in sectors] == ["school", "health"]


def test_overdue_deadlines_as_of_the_date(lien_chieu: reports.Report) -> None:
    """A decision and a recognition vote past due on 30 June 2023, each once."""
    overdue = [(o.unit, o.deadline.event) for o in lien_chieu.overdue()]
    assert sorted(overdue) == [("kdc-04", "decide_admission"), ("kdc-07", "recognition_vote")]


def test_the_students_turn_18_before_the_vote_counts(example: ModuleType) -> None:
    """A student voted on at 17 is refused for age, and admitted to the vote after turning 18."""
    events = sys.modules["events"]
    tree = units.load_units(EXAMPLE / "units.yaml")
    students = [s for s in events.stories(tree) if s.unit == "thpt-lc"]
    assert len(students) == 5
    assert sum(len(s.refused) for s in students) == 1


def test_the_example_prints_computed_figures(
    example: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """run.py prints the article's figures and writes the HTML page where it says."""
    page = tmp_path / "lien-chieu.html"
    assert example.main(["--html", str(page), "--db", str(tmp_path / "lc.db")]) == 0
    printed = capsys.readouterr().out
    assert "every hash chain holds" in printed
    assert (tmp_path / "lc.db").is_file()
    assert "457 members in 24 cells" in printed
    assert "73 people went to the course and 20 of 25 were admitted = 80%" in printed
    assert "7 of 13 key officials are not members" in printed
    assert "20 / 25 = 80%" in printed
    assert f"HTML report: {page}" in printed
    assert "20 / 25 = 80%" in page.read_text(encoding="utf-8")


def test_the_same_seed_gives_the_same_cases(example: ModuleType) -> None:
    """The events are generated reproducibly."""
    events = sys.modules["events"]
    tree = units.load_units(EXAMPLE / "units.yaml")
    first = [(s.person, s.events) for s in events.stories(tree)]
    assert first == [(s.person, s.events) for s in events.stories(tree)]


# -- renderers ---------------------------------------------------------------------------


def test_json_is_plain_data(lien_chieu: reports.Report) -> None:
    """report_as_dict round-trips through JSON with the figures in it."""
    data = json.loads(json.dumps(reports.report_as_dict(lien_chieu)))
    ward = next(u for u in data["units"] if u["unit"] == "hoa-hiep-bac")
    assert ward["term"]["reached"] == 20
    assert ward["term"]["percent"] == 80.0
    assert ward["pipeline"]["course"] == 73


def test_the_html_page_is_self_contained(lien_chieu: reports.Report) -> None:
    """No script, no link to anything outside; charts are inline SVG with their figures."""
    page = reports.render_html(lien_chieu)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert page.count("<svg") >= 3
    assert re.search(r"<text[^>]*>20 / 25 = 80%</text>", page)
    assert "Phường Hòa Hiệp Bắc" in page


def test_terminal_tables(lien_chieu: reports.Report) -> None:
    """rich draws the tables; the figures and both languages are there."""
    out = io.StringIO()
    reports.render_terminal(lien_chieu, out, width=140)
    text = out.getvalue()
    assert "┏" in text
    assert "20 / 25 = 80%" in text
    assert "7 / 13" in text
    assert "Key officials not" in text
    assert "Cán bộ chủ chốt" in text


# -- read as a person reads it (issue 15, item 3) --------------------------------------------


def test_the_html_reads_labels_not_ids(lien_chieu: reports.Report) -> None:
    """Kinds and source groups appear by their labels; a unit in a finding by name and id."""
    page = reports.render_html(lien_chieu)
    assert "youth_and_mass_organisations" not in page
    assert "Đoàn thanh niên và đoàn thể" in page
    assert "Youth Union and mass organisations" in page
    assert "<td>district</td>" not in page  # a kind reads by the file's label
    assert "Khu dân cư" in page
    found = lien_chieu.findings()[0]
    assert f"{lien_chieu.unit(found.unit).name} ({found.unit})" in page


def test_every_unit_is_shown_or_said_why_not(lien_chieu: reports.Report, tmp_path: Path) -> None:
    """Each unit of the file has a row, or is named in one line saying why it has none."""
    page = reports.render_html(lien_chieu)
    for unit in lien_chieu.units:  # every cell of the example has cases: all 33 have a row
        assert reports_words.shown(unit), unit.unit
        assert f"{html.escape(unit.name)}</td>" in page
    path = tmp_path / "u.yaml"
    path.write_text(
        "counted_on: 2023-01-01\nunits:\n  - {id: w, kind: other}\n"
        "  - {id: quiet-cell, name: Chi bộ yên, kind: residential, parent: w}\n"
        "  - {id: cell-2, kind: residential, parent: quiet-cell, official_members: 5}\n",
        encoding="utf-8",
    )
    tree = units.load_units(path)
    quiet = reports.build_report(tree, [], D(2023, 1, 1), plugins=af.Plugins(entry_points=False))
    [note] = [n for n in reports_words.notes(quiet) if "not shown" in n.en]
    assert note.en == (
        "1 of 3 units are not shown in the tables: they have no target, finding or case: cell-2."
    )
    assert "1/3 đơn vị không hiện trong bảng" in note.vi
    assert html.escape(note.en) in reports.render_html(quiet)


def test_an_empty_register_says_so() -> None:
    """No cases: one line says so, in both languages, on the terminal and the page."""
    tree = units.load_units(EXAMPLE / "units.yaml", kinds=af.Plugins().unit_kinds())
    empty = reports.build_report(tree, [], tree.counted_on, plugins=af.Plugins(entry_points=False))
    out = io.StringIO()
    reports.render_terminal(empty, out, width=160)
    assert "There are no cases: every figure of sources and admissions is 0." in out.getvalue()
    assert "Chưa có hồ sơ nào" in reports.render_html(empty)
    assert "Member counts are the unit file's" not in out.getvalue()  # as of the counting day


def test_older_member_counts_are_said(lien_chieu: reports.Report) -> None:
    """As of a later day than the file's count: a line names the day the counts come from."""
    assert lien_chieu.counted_on < lien_chieu.on
    lines = [n.en for n in reports_words.notes(lien_chieu)]
    assert (
        f"Member counts are the unit file's, counted on {lien_chieu.counted_on.isoformat()} "
        f"(before the report's date, {lien_chieu.on.isoformat()})."
    ) in lines


def test_the_terminal_pipeline_shows_its_window(lien_chieu: reports.Report) -> None:
    """Each pipeline row says which window it counts, as the HTML does."""
    out = io.StringIO()
    reports.render_terminal(lien_chieu, out, width=200)
    text = out.getvalue()
    ward = lien_chieu.unit("hoa-hiep-bac")
    assert ward.window is not None
    assert f"{ward.window[0].isoformat()} → {ward.window[1].isoformat()}" in text
    assert "Window counted" in text


# -- the command ----------------------------------------------------------------------------

SCENARIO = """\
procedure: vn-2021
unit: {{id: {unit}, kind: residential, official_members: 29}}
members:
  - {{id: m-1, status: official, since: 2005-06-01}}
candidate: {{id: c-{n}, name: Người Thử {n}, born: 1985-03-02, education: upper_secondary}}
events:
  - {{on: 2023-03-01, event: identify, by: cell_committee, source_group: residents}}
  - {{on: 2023-03-10, event: assign_mentor, by: cell, mentor: m-1}}
  - {{on: 2023-05-20, event: complete_course, by: training_center, certificate_date: 2023-05-20}}
"""


@pytest.fixture
def scenarios(tmp_path: Path) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir()
    for n in range(3):
        (folder / f"c{n}.yaml").write_text(SCENARIO.format(unit="cell-1", n=n), encoding="utf-8")
    return folder


def test_report_json_from_scenarios(scenarios: Path) -> None:
    """--scenarios runs each file in memory; --json prints the figures."""
    status, out, _ = cli(
        "report",
        str(DATA / "good.yaml"),
        "--scenarios",
        str(scenarios),
        "--as-of",
        "2023-06-30",
        "--json",
    )
    assert status == 0
    data = json.loads(out)
    cell = next(u for u in data["units"] if u["unit"] == "cell-1")
    assert cell["plans"][0]["reached"] == 3
    assert cell["now"]["course"] == 3
    assert data["as_of"] == "2023-06-30"


def test_report_tables_and_html(scenarios: Path, tmp_path: Path) -> None:
    """Without --json the tables are printed; --html writes the page and says where."""
    status, out, _ = cli(
        "report", str(DATA / "good.yaml"), "--scenarios", str(scenarios), "--as-of", "2023-06-30"
    )
    assert status == 0
    assert "3 / 10 = 30%" in out
    page = tmp_path / "r.html"
    status, out, _ = cli(
        "report",
        str(DATA / "good.yaml"),
        "--scenarios",
        str(scenarios),
        "--as-of",
        "2023-06-30",
        "--html",
        str(page),
    )
    assert status == 0
    assert f"HTML report: {page}" in out
    assert "3 / 10 = 30%" in page.read_text(encoding="utf-8")


def test_report_without_rich_says_what_to_install(
    scenarios: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No rich: one line naming the extra, exit 2; --json still works."""
    for name in [n for n in sys.modules if n == "rich" or n.startswith("rich.")] + ["rich"]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, "admission_flow.reports._terminal", raising=False)
    status, out, err = cli("report", str(DATA / "good.yaml"), "--as-of", "2023-06-30")
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "install admission-flow[report]" in err
    status, out, _ = cli("report", str(DATA / "good.yaml"), "--as-of", "2023-06-30", "--json")
    assert status == 0


def test_report_bad_unit_file(tmp_path: Path) -> None:
    """A broken unit file: exit 2, every problem as file:line:col."""
    status, _, err = cli("report", str(DATA / "many_mistakes.yaml"), "--as-of", "2023-06-30")
    assert status == 2
    assert "many_mistakes.yaml:12:11: unknown kind 'residental'" in err
    assert "many_mistakes.yaml:19:18: unknown member or person 'm-2'" in err
    assert "Traceback" not in err


def test_report_case_of_an_unknown_unit(tmp_path: Path) -> None:
    """A scenario whose unit the file does not have: exit 2, naming both."""
    path = tmp_path / "x.yaml"
    path.write_text(SCENARIO.format(unit="kdc-99", n=1), encoding="utf-8")
    status, _, err = cli(
        "report", str(DATA / "good.yaml"), "--scenarios", str(path), "--as-of", "2023-06-30"
    )
    assert status == 2
    assert "unit 'kdc-99'" in err


def test_report_db_without_a_store() -> None:
    """--db asks admission_flow.store; without it, exit 2 with what to do."""
    status, _, err = cli("report", str(DATA / "good.yaml"), "--db", "sqlite:///x.db")
    assert status == 2
    if importlib.util.find_spec("admission_flow.store") is None:
        assert "no register (admission_flow.store)" in err


def test_report_a_pack_that_fails_to_load_is_named() -> None:
    """A plugin module that cannot be imported: exit 3, named with the reason."""
    status, _, err = cli("-p", "no_such_pack", "report", str(DATA / "good.yaml"))
    assert status == 3
    assert "no_such_pack" in err
    assert "ModuleNotFoundError" in err


def test_report_bad_date() -> None:
    """--as-of takes YYYY-MM-DD."""
    with pytest.raises(SystemExit) as raised, contextlib.redirect_stderr(io.StringIO()):
        _cli.main(["report", str(DATA / "good.yaml"), "--as-of", "30/06/2023"])
    assert raised.value.code == 2


def test_an_empty_scenario_folder(tmp_path: Path) -> None:
    """A folder with no scenario is bad input, not an empty report."""
    status, _, err = cli("report", str(DATA / "good.yaml"), "--scenarios", str(tmp_path))
    assert status == 2
    assert "no scenario file" in err


def test_as_of_leaves_later_steps_out(lien_chieu_cases: list[af.Case]) -> None:
    """A report as of an earlier date counts only what had happened by then."""
    plugins = af.Plugins()
    tree = units.load_units(EXAMPLE / "units.yaml")
    cases = lien_chieu_cases
    early = reports.build_report(tree, cases, D(2021, 12, 31), plugins=plugins)
    ward = early.unit("hoa-hiep-bac")
    assert ward.term is not None
    assert ward.term.reached == 6
    assert ward.now["official"] == 0


def test_report_html_to_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    """An unwritable --html path: exit 2 with what to do, not a traceback."""
    page = tmp_path / "no" / "such" / "folder" / "r.html"
    status, _, err = cli(
        "report", str(DATA / "good.yaml"), "--as-of", "2023-06-30", "--html", str(page)
    )
    assert status == 2
    assert "cannot write the page (No such file or directory)" in err
