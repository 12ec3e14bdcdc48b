"""The documentation: complete, consistent with the code, and every example true.

Beyond the lists (every hook, page, rule id and procedure key is documented),
the examples of each page are run, in page order, in a fresh folder:

- a code block with ``title="NAME"`` (a procedure, a scenario, a plugin module)
  is written to the file NAME (``cases/NAME`` in a folder of its own);
- a ``python`` block is executed, all of one page's blocks in one namespace;
- a block with ``title="Output"`` must match what the python block before it printed;
- a ``console`` block is a session of ``$ admission-flow ...`` commands (and
  ``$ echo $?``), each followed by its exact output.

In expected output, a line that is only ``...`` stands for any number of lines.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import io
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
import yaml

import admission_flow as af
from admission_flow.cli import _main as _cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
#: The modules that load procedure files: the keys they accept, their constants (the
#: vocabulary they share, such as ``SEVERITIES``, lives in ``model/_vocabulary.py``).
PROCEDURE_SOURCES = [
    *sorted((Path(af.__file__).resolve().parent / "procedure").glob("_parse*.py")),
    Path(af.__file__).resolve().parent / "procedure" / "_facts.py",
    Path(af.__file__).resolve().parent / "model" / "_vocabulary.py",
]
PAGES = sorted(DOCS.glob("*.md"))
D = dt.date

FENCE = re.compile(
    r"^(?P<indent>[ ]*)```(?P<lang>[\w+-]*)(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=indent)```[ ]*$",
    re.MULTILINE | re.DOTALL,
)
TITLE = re.compile(r'title="(?P<title>[^"]+)"')


@attrs.frozen
class Block:
    """One fenced code block of a page."""

    lang: str
    title: str | None
    body: str
    line: int


def blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a page, in order, with their indentation removed."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        indent = len(match["indent"])
        body = "".join(line[indent:] for line in match["body"].splitlines(keepends=True))
        title = TITLE.search(match["info"])
        found.append(
            Block(
                lang=match["lang"],
                title=title["title"] if title else None,
                body=body,
                line=text.count("\n", 0, match.start()) + 1,
            )
        )
    return found


def nav_pages(nav: object) -> Iterator[str]:
    """Every page a mkdocs ``nav`` names, however deeply nested."""
    if isinstance(nav, str):
        yield nav
    elif isinstance(nav, list):
        for item in nav:
            yield from nav_pages(item)
    elif isinstance(nav, dict):
        for value in nav.values():
            yield from nav_pages(value)


class _MkdocsLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, whose ``!!python/name:`` tags name mkdocs' own functions."""


_MkdocsLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def mkdocs_nav() -> list[str]:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = yaml.load(text, Loader=_MkdocsLoader)
    return list(nav_pages(config["nav"]))


def procedure_keys() -> set[str]:
    """Every key the procedure loader accepts: the arguments of its ``keys(...)`` calls."""
    found: set[str] = set()
    for node in (n for path in PROCEDURE_SOURCES for n in ast.walk(ast.parse(path.read_text()))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "keys"
        ):
            for keyword in node.keywords:
                if keyword.arg in ("required", "optional"):
                    found.update(
                        item.value
                        for item in ast.walk(keyword.value)
                        if isinstance(item, ast.Constant) and isinstance(item.value, str)
                    )
    return found


def named_constants(name: str) -> set[str]:
    """The strings of a constant of the loader (``FACT_TYPES``, ``SEVERITIES``)."""
    for node in (n for path in PROCEDURE_SOURCES for n in ast.walk(ast.parse(path.read_text()))):
        targets = (
            [node.target]
            if isinstance(node, ast.AnnAssign)
            else node.targets
            if isinstance(node, ast.Assign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            assert node.value is not None
            return {
                item.value
                for item in ast.walk(node.value)
                if isinstance(item, ast.Constant) and isinstance(item.value, str)
            }
    raise AssertionError(f"no constant {name} in {PROCEDURE_SOURCES}")


def matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` is ``expected``, where a line ``...`` stands for any lines."""
    pattern = []
    for line in expected.rstrip("\n").split("\n"):
        if line.strip() == "...":
            pattern.append(r"(?:[^\n]*\n)*?")
        else:
            pattern.append(re.escape(line.rstrip()) + r"\n")
    cleaned = "".join(line.rstrip() + "\n" for line in actual.rstrip("\n").split("\n"))
    return re.fullmatch("".join(pattern), cleaned) is not None


def run_console(block: Block, page: str) -> None:
    """Run the ``$ admission-flow`` commands of a console block and compare their output."""
    status: int | None = None
    command: str | None = None
    expected: list[str] = []

    def finish() -> None:
        nonlocal status
        if command is None:
            return
        argv = shlex.split(command)
        where = f"{page}:{block.line}: $ {command}"
        if argv == ["echo", "$?"]:
            assert status is not None, f"{where}: no command before it"
            assert "\n".join(expected).strip() == str(status), f"{where}: the status was {status}"
            return
        assert argv[0] == "admission-flow", f"{where}: console blocks run admission-flow only"
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                status = _cli.main(argv[1:])
            except SystemExit as exit:  # argparse, for a wrong command line
                status = exit.code if isinstance(exit.code, int) else 2
        printed = out.getvalue()
        assert matches("\n".join(expected), printed), f"{where}: it printed\n{printed}"

    for line in block.body.splitlines():
        if line.startswith("$ "):
            finish()
            command, expected = line[2:], []
        else:
            expected.append(line)
    finish()


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh working folder, importable, whose modules are forgotten afterwards."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        origin = getattr(sys.modules[name], "__file__", None) or ""
        if origin.startswith(str(tmp_path)):
            del sys.modules[name]


# -- what must be documented --------------------------------------------------


def test_every_hook_has_a_section_in_the_hook_reference() -> None:
    """Each admission_flow_* hook has a heading of its own in docs/hooks.md."""
    text = (DOCS / "hooks.md").read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith("#")]
    hooks = af.Plugins(entry_points=False).hook_names()
    assert hooks
    for hook in hooks:
        assert any(hook in heading for heading in headings), f"docs/hooks.md has no section {hook}"


def test_every_page_of_the_nav_exists() -> None:
    """Each page mkdocs.yml lists is a file under docs/."""
    pages = mkdocs_nav()
    assert pages
    for page in pages:
        assert (DOCS / page).is_file(), f"mkdocs.yml lists {page}, which docs/ does not have"


def test_every_page_is_in_the_nav() -> None:
    """Each docs/*.md is listed in mkdocs.yml, so no page is left unreachable."""
    listed = set(mkdocs_nav())
    for page in PAGES:
        assert page.name in listed, f"docs/{page.name} is not in the nav of mkdocs.yml"


def test_every_rule_of_the_standard_procedure_is_explained() -> None:
    """Each rule id of vn-2021, core ones included, appears in docs/standard-procedure.md."""
    text = (DOCS / "standard-procedure.md").read_text(encoding="utf-8")
    rules = af.load_procedure("vn-2021", plugins=af.Plugins(entry_points=False)).rules
    assert {"auth.role", "event.state", "vote.two_thirds"} <= set(rules)
    for rule_id in rules:
        assert f"`{rule_id}`" in text, f"rule {rule_id} is not in docs/standard-procedure.md"


def test_every_procedure_key_is_in_the_yaml_reference() -> None:
    """Each key the procedure loader accepts, fact type and severity appears in the reference."""
    text = (DOCS / "yaml-reference.md").read_text(encoding="utf-8")
    keys = procedure_keys()
    assert {"procedure", "opens_case", "at_most", "extended_working_days", "requires"} <= keys
    words = keys | named_constants("FACT_TYPES") | named_constants("SEVERITIES")
    for word in sorted(words):
        assert f"`{word}`" in text, f"docs/yaml-reference.md does not explain `{word}`"


def test_every_core_rule_is_in_the_yaml_reference() -> None:
    """The rules the engine applies to every event are explained where procedures are."""
    text = (DOCS / "yaml-reference.md").read_text(encoding="utf-8")
    for rule_id in ("auth.role", "event.state", "event.date"):
        assert f"`{rule_id}`" in text


def test_the_diagram_of_the_standard_procedure_is_current() -> None:
    """The Mermaid block of docs/standard-procedure.md is what `graph vn-2021` draws."""
    procedure = af.load_procedure("vn-2021", plugins=af.Plugins(entry_points=False))
    diagrams = [b.body for b in blocks(DOCS / "standard-procedure.md") if b.lang == "mermaid"]
    assert diagrams == [af.draw(procedure, fmt="mermaid", lang="vi")]


# -- every example runs, and prints what the page shows --------------------------


def test_the_tutorial_python_blocks_run(folder: Path) -> None:
    """The python blocks of the tutorial run in order, in one namespace, without error."""
    page = DOCS / "tutorial.md"
    python = [b for b in blocks(page) if b.lang == "python" and b.title is None]
    assert len(python) >= 5
    namespace: dict[str, object] = {"__name__": "tutorial"}
    for block in blocks(page):
        if block.title is not None and block.title != "Output":
            (folder / block.title).parent.mkdir(parents=True, exist_ok=True)
            (folder / block.title).write_text(block.body, encoding="utf-8")
        elif block.lang == "python":
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(block.body, f"{page}:{block.line}", "exec"), namespace)


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_the_examples_of_each_page_print_what_the_page_shows(page: Path, folder: Path) -> None:
    """Files are written, python runs, outputs and console sessions match the page exactly."""
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    printed: str | None = None
    for block in blocks(page):
        where = f"{page.name}:{block.line}"
        if block.title == "Output":
            assert printed is not None, f"{where}: an Output block with no python block before it"
            assert matches(block.body, printed), f"{where}: the python block printed\n{printed}"
        elif block.title is not None:
            (folder / block.title).parent.mkdir(parents=True, exist_ok=True)
            (folder / block.title).write_text(block.body, encoding="utf-8")
        elif block.lang == "python":
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(block.body, where, "exec"), namespace)
            printed = out.getvalue()
        elif block.lang == "console":
            run_console(block, page.name)


# -- bugs found while documenting: these fail until src/ is fixed --------------------


def test_a_plugin_that_fails_to_register_is_not_kept() -> None:
    """A plugin refused by check_pending() at register() is not left registered."""

    class Misspelled:
        @af.hookimpl
        def admission_flow_check_events(self, context: object) -> list[object]:
            return []

    plugins = af.Plugins(entry_points=False)
    with pytest.raises(af.PluginError, match="unknown hook 'admission_flow_check_events'"):
        plugins.register(Misspelled(), name="misspelled")
    assert plugins.names() == ["admission_flow.standard"]


def test_an_unknown_member_message_ends_with_its_suggestion() -> None:
    """The fact error for an unknown member reads as one sentence, the suggestion last."""
    members = [af.Member(id="m-hung", status="official", since=D(2005, 6, 1))]
    engine = af.Engine.load("vn-2021", plugins=af.Plugins(entry_points=False), members=members)
    person = af.Person(id="c", name="Trần Thị Hoa", born=D(1991, 3, 2), education="university")
    case = engine.open("c", person, af.Unit(id="u"))
    case = engine.fire(case, "identify", "cell_committee", D(2023, 3, 1)).case
    with pytest.raises(af.FactError) as caught:
        engine.fire(case, "assign_mentor", "cell", D(2023, 3, 10), mentor="m-hong")
    assert "?;" not in str(caught.value)
    assert str(caught.value).endswith("did you mean 'm-hung'?")


def test_the_default_deadline_message_names_the_day_counting_began(folder: Path) -> None:
    """With `months`, '{working_days} working days from {start}' names the day counted from."""
    (folder / "p.yaml").write_text(
        "procedure: p\n"
        "title: {vi: Dự bị, en: Probation}\n"
        "roles: {cell: {vi: Chi bộ, en: Cell}}\n"
        "states:\n"
        "  probation: {vi: Dự bị, en: Probation}\n"
        "  reviewed: {vi: Đã xét, en: Reviewed, final: true}\n"
        "events:\n"
        "  hold_ceremony: {vi: Lễ, en: Ceremony, opens_case: true, to: probation, by: cell}\n"
        "  recognition_vote: {vi: Xét, en: Vote, from: probation, to: reviewed, by: cell}\n"
        "deadlines:\n"
        "  due: {rule: r.late, after: hold_ceremony, months: 12, working_days: 30,"
        " met_by: recognition_vote}\n"
        "rules:\n"
        "  r.late: {severity: warning, source: QĐ 24-QĐ/TW §4.2.1}\n",
        encoding="utf-8",
    )
    engine = af.Engine.load("p.yaml", plugins=af.Plugins(entry_points=False))
    person = af.Person(id="c", name="Võ Văn Minh", born=D(1990, 6, 1), education="university")
    case = engine.open("c", person, af.Unit(id="u"))
    case = engine.fire(case, "hold_ceremony", "cell", D(2023, 12, 20)).case
    outcome = engine.fire(case, "recognition_vote", "cell", D(2025, 2, 14))
    (warning,) = outcome.warnings
    assert "(30 working days from 2024-12-20)" in warning.message.en
    assert "(30 ngày làm việc kể từ 20/12/2024)" in warning.message.vi
