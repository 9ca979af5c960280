"""A scenario's problems come all at once, in file and line order: the YAML layer's, the
`extends:` chain's and the schema's, so one run of `cogov validate` lists everything."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from cli.main import main
from simulation.scenario import Problem, ScenarioError, load_scenario_file

MANY = """\
extends: fengqaio
description: three kinds of problem
ladder:
  grid_workers_per_100: 2.5
  success_l1: 1.5
levers:
  rule_of_law:
    enforcement: !!python/object:os.system 1
    enforcement: 0.5
schedules:
  - parameter: population.residents
    start_week: 0
    end_week: 52
    to: 12000
"""


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    return info.value.problems


def call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_every_kind_of_problem_is_reported_in_one_run(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(MANY, encoding="utf-8")
    found = [(p.line, p.path, p.message) for p in problems_of(path)]
    assert found == [
        (1, "extends", "extends names a scenario that does not exist: 'fengqaio'"),
        (4, "ladder.grid_workers_per_100", "unknown key 'grid_workers_per_100'"),
        (5, "ladder.success_l1", "out of range"),
        (8, "levers.rule_of_law.enforcement", "YAML tags are not allowed"),
        (9, "levers.rule_of_law.enforcement",
         "duplicate key 'enforcement' (first at line 8, again at line 9)"),
        (11, "schedules[0].parameter",
         "'population.residents' is not a lever, ladder parameter or the budget"),
    ]


def test_a_ramp_of_a_non_lever_is_not_reported_as_out_of_range(tmp_path: Path) -> None:
    path = tmp_path / "ramp.yaml"
    path.write_text("extends: baseline\nschedules:\n  - parameter: population.residents\n"
                    "    to: 12000\n", encoding="utf-8")
    (only,) = problems_of(path)
    assert only.message == "'population.residents' is not a lever, ladder parameter or the budget"
    assert only.line == 3
    # A lever's ramp out of range is still reported as such.
    path.write_text("extends: baseline\nschedules:\n  - parameter: "
                    "levers.rule_of_law.enforcement\n    to: 1.5\n", encoding="utf-8")
    (only,) = problems_of(path)
    assert (only.path, only.message, only.line) == ("schedules[0].to", "out of range", 4)


def test_problems_in_the_parent_file_come_with_the_childs(tmp_path: Path) -> None:
    (tmp_path / "parent.yaml").write_text("extends: baseline\nladder:\n  success_l1: 2\n",
                                          encoding="utf-8")
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent\nlevers:\n  rule_of_law:\n    enforcment: 0.5\n",
                     encoding="utf-8")
    found = {(Path(p.file).name, p.line, p.path) for p in problems_of(child)}
    assert found == {("parent.yaml", 3, "ladder.success_l1"),
                     ("child.yaml", 4, "levers.rule_of_law.enforcment")}


def test_compare_reports_the_problems_of_every_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("extends: baseline\nladder:\n  success_l1: 1.5\n", encoding="utf-8")
    b.write_text("extends: baseline\nlevres: {}\n", encoding="utf-8")
    code, _, err = call(["compare", str(a), str(b), "--reps", "2", "--no-progress",
                         "--out", str(tmp_path / "out")])
    assert code == 2
    lines = [line for line in err.splitlines() if not line.startswith(" ")]
    assert lines == [f"{a}:3: ladder.success_l1: out of range",
                     f"{b}:2: levres: unknown key 'levres' (did you mean 'levers'?)"]
    assert not (tmp_path / "out").exists()


def test_validate_lists_everything_and_keeps_its_exit_codes(tmp_path: Path) -> None:
    bad = tmp_path / "many.yaml"
    bad.write_text(MANY, encoding="utf-8")
    good = tmp_path / "good.yaml"
    good.write_text("extends: fengqiao\n", encoding="utf-8")
    code, _, err = call(["validate", str(bad)])
    assert code == 2
    heads = [line for line in err.splitlines() if line.startswith(str(bad))]
    assert len(heads) == 6
    assert [int(h.split(":")[1]) for h in heads] == [1, 4, 5, 8, 9, 11]
    assert call(["validate", str(good)])[0] == 0
    assert call(["validate", str(good), str(bad)])[0] == 2


def test_a_bad_set_is_reported_once_not_once_per_scenario(tmp_path: Path) -> None:
    code, _, err = call(["compare", "baseline", "fengqiao", "--set", "enforcement=1",
                         "--reps", "2", "--no-progress", "--out", str(tmp_path / "out")])
    assert code == 2
    assert err.count("unknown parameter 'enforcement'") == 1
