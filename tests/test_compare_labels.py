"""`cogov compare` keeps every scenario apart: one column per file, whatever its name.

Files whose stems repeat get the shortest parent folders that tell them apart, runs.csv
holds every run, and the printed tables never cut a label short (the Quick start compares
`equal_cost_rule_of_law` with `equal_cost_rule_of_virtue`).
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from cli.compare import scenario_labels, wrap_label
from cli.main import main
from simulation.scenario import BUNDLED_DIR

TINY = ["--set", "population.residents=300", "--steps", "2", "--workers", "1",
        "--no-progress"]


def call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def header_labels(stdout: str) -> list[list[str]]:
    """The column labels of every printed table block, rebuilt from its header lines.

    A label may wrap over several header lines; every piece is right-aligned to its
    column's edge, so the pieces ending at the same position belong to one column."""
    blocks: list[list[str]] = []
    header: list[str] = []
    for line in stdout.splitlines():
        if re.match(r"^ {3,}\S", line):  # header lines are indented past the outcome names
            header.append(line)
            continue
        if header:
            columns: dict[int, str] = {}
            for row in header:
                for m in re.finditer(r"\S+", row):
                    columns[m.end()] = columns.get(m.end(), "") + m.group()
            blocks.append([columns[end] for end in sorted(columns)])
            header = []
    return blocks


def test_wrap_label_breaks_after_underscores_and_never_loses_a_character() -> None:
    assert wrap_label("equal_cost_rule_of_virtue", 14) == ["equal_cost_", "rule_of_virtue"]
    assert wrap_label("baseline", 14) == ["baseline"]
    assert wrap_label("dupA/county", 6) == ["dupA/", "county"]
    assert wrap_label("abcdefghijklmnopq", 5) == ["abcde", "fghij", "klmno", "pq"]
    for label in ("equal_cost_three_governances", "a_b", "x" * 40, "dir/sub_dir/name"):
        for width in (3, 7, 14):
            lines = wrap_label(label, width)
            assert "".join(lines) == label
            assert all(0 < len(line) <= width for line in lines)


def test_repeated_stems_get_their_shortest_distinguishing_parents() -> None:
    paths = [Path("/w/dupA/county.yaml"), Path("/w/dupB/county.yaml"),
             Path("/w/scenarios/baseline.yaml")]
    assert scenario_labels(paths) == ["dupA/county", "dupB/county", "baseline"]
    deep = [Path("/x/a/county.yaml"), Path("/y/a/county.yaml")]
    assert scenario_labels(deep) == ["x/a/county", "y/a/county"]
    same_folder = [Path("/w/county.yaml"), Path("/w/county.yml")]
    assert scenario_labels(same_folder) == ["/w/county.yaml", "/w/county.yml"]


def test_compare_keeps_files_with_the_same_name_apart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for folder, parent in (("dupA", "baseline"), ("dupB", "fengqiao")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "county.yaml").write_text(
            f"extends: {parent}\ndescription: {folder}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, stdout, err = call(["compare", "dupA/county.yaml", "dupB/county.yaml",
                              "--reps", "2", *TINY, "--out", "out"])
    assert code == 0, err
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    assert runs[["scenario", "seed"]].values.tolist() == [
        ["dupA/county", 0], ["dupA/county", 1], ["dupB/county", 0], ["dupB/county", 1]]
    # Different scenarios (baseline vs fengqiao levers) behind the same file name: their
    # levers cost different amounts every week (cases add their own costs on top).
    a = runs[runs.scenario == "dupA/county"]["spending_per_resident"].to_numpy()
    b = runs[runs.scenario == "dupB/county"]["spending_per_resident"].to_numpy()
    assert (a != b).all()
    assert header_labels(stdout)[0] == ["dupA/county", "dupB/county"]


def test_the_quick_start_set_prints_every_label_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted(str(p) for p in BUNDLED_DIR.glob("*.yaml"))  # `scenarios/*.yaml`
    stems = [Path(f).stem for f in files]
    assert {"equal_cost_rule_of_law", "equal_cost_rule_of_virtue"} <= set(stems)
    monkeypatch.setenv("COLUMNS", "120")
    code, stdout, err = call(["compare", *files, "--reps", "2", *TINY,
                              "--out", str(tmp_path / "out")])
    assert code == 0, err
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    assert list(dict.fromkeys(runs.scenario)) == stems and len(runs) == 2 * len(stems)
    blocks = header_labels(stdout)
    split = stdout.index("Difference from")
    table = [lab for block in header_labels(stdout[:split]) for lab in block]
    differences = [lab for block in header_labels(stdout[split:]) for lab in block]
    assert table == stems
    assert differences == stems[1:]
    assert len(blocks) > 2  # 120 columns: the tables did wrap into blocks


def test_one_seed_says_why_there_are_no_differences(tmp_path: Path) -> None:
    code, stdout, err = call(["compare", "baseline", "fengqiao", "--reps", "1", *TINY,
                              "--out", str(tmp_path / "out")])
    assert code == 0, err
    assert "Difference from" not in stdout
    assert ("Differences from baseline are not shown: with one seed per scenario there is "
            "no interval") in stdout
