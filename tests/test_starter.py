"""`cogov new` (a commented starter scenario) and `cogov diff` (what two scenarios set
differently), and empty groups in scenario files."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from cli.main import main
from cli.starter import differences, starter_parameters
from simulation.scenario import iter_parameters, load_scenario, with_values
from simulation.scenario.paths import get_path

pytestmark = pytest.mark.timeout(120)


def cogov(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_new_starter_runs_as_its_mix_and_lists_every_lever_at_the_mixs_value(
        here: Path) -> None:
    code, out, _ = cogov("new", "my_reform", "--from", "fengqiao")
    assert code == 0 and "wrote my_reform.yaml" in out
    text = (here / "my_reform.yaml").read_text(encoding="utf-8")
    assert "extends: fengqiao" in text
    mix, new = load_scenario("fengqiao"), load_scenario("my_reform.yaml")
    assert differences(mix, new) == []
    # Every lever is there, commented out, at fengqiao's value (read from the YAML file
    # itself, not from the code that wrote the starter).
    levers = [s.path for s in iter_parameters() if s.path.startswith("levers.")]
    assert set(levers) <= {s.path for s in starter_parameters()}
    fengqiao_yaml = Path(__file__).parents[1] / "scenarios" / "fengqiao.yaml"
    assert "cell_coverage: 1.0" in fengqiao_yaml.read_text(encoding="utf-8")
    assert re.search(r"^    # cell_coverage: 1$", text, re.M)
    for path in levers:
        key = path.rsplit(".", 1)[1]
        line = re.search(rf"^    # {key}: (\S+)$", text, re.M)
        assert line is not None, path
        assert float(line.group(1)) == get_path(mix, path)


def test_uncommenting_a_line_changes_that_parameter_and_nothing_else(here: Path) -> None:
    cogov("new", "mine", "--from", "baseline")
    path = here / "mine.yaml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^    # enforcement: \S+$", "    enforcement: 0.95", text, flags=re.M)
    text = re.sub(r"^  # grid_workers_per_1000: \S+$", "  grid_workers_per_1000: 8",
                  text, flags=re.M)
    path.write_text(text, encoding="utf-8")
    found = differences(load_scenario("baseline"), load_scenario("mine.yaml"))
    assert [(d.path, d.second) for d in found] == [
        ("ladder.grid_workers_per_1000", 8), ("levers.rule_of_law.enforcement", 0.95)]
    code, out, _ = cogov("diff", "baseline", "mine.yaml")
    assert code == 1
    # baseline.yaml sets enforcement: 0.5
    assert re.search(r"^levers\.rule_of_law\.enforcement\s+0\.5\s+0\.95\s+intensity", out,
                     re.M), out


def test_new_never_replaces_a_file_unless_forced(here: Path) -> None:
    (here / "mine.yaml").write_text("# my own work\n", encoding="utf-8")
    code, _, err = cogov("new", "mine", "--from", "baseline")
    assert code == 2 and "mine.yaml exists" in err and "--force" in err
    assert (here / "mine.yaml").read_text(encoding="utf-8") == "# my own work\n"
    assert cogov("new", "mine", "--from", "baseline", "--force")[0] == 0
    assert "extends: baseline" in (here / "mine.yaml").read_text(encoding="utf-8")


def test_new_from_a_students_own_file_in_another_folder(here: Path) -> None:
    (here / "class").mkdir()
    (here / "class" / "mine.yaml").write_text(
        "extends: baseline\nlevers:\n  rule_of_law:\n    enforcement: 0.8\n",
        encoding="utf-8")
    (here / "work").mkdir()
    assert cogov("new", "work/next.yaml", "--from", "class/mine.yaml")[0] == 0
    assert "extends: ../class/mine.yaml" in (here / "work" / "next.yaml").read_text(
        encoding="utf-8")
    assert load_scenario("work/next.yaml").levers.rule_of_law.enforcement == 0.8


def test_new_from_a_mix_that_does_not_exist_says_which_one_was_meant(here: Path) -> None:
    code, _, err = cogov("new", "x", "--from", "fengqiaoo")
    assert code == 2 and "did you mean 'fengqiao'" in err
    assert not (here / "x.yaml").exists()


def test_diff_lists_exactly_what_was_changed() -> None:
    base = load_scenario("fengqiao")
    changed = with_values(base, {"levers.smart_governance.triage": 0.1,
                                 "run.steps": 52})
    found = differences(base, changed)
    assert [(d.path, d.first, d.second) for d in found] == [
        ("levers.smart_governance.triage", base.levers.smart_governance.triage, 0.1),
        ("run.steps", base.run.steps, 52)]
    assert differences(changed, changed) == []


def test_diff_shows_a_schedule_only_one_scenario_has() -> None:
    code, out, _ = cogov("diff", "baseline", "reform_party_cells")
    assert code == 1
    row = next(line for line in out.splitlines() if line.startswith("schedules"))
    assert re.search(r"schedules\s+-\s+parameter: levers\.party_leadership\.cell_coverage",
                     row), row
    code, out, _ = cogov("diff", "fengqiao", "fengqiao")
    assert code == 0 and "set every parameter the same" in out


def test_an_empty_group_changes_nothing(here: Path) -> None:
    """A group whose lines are all commented out is empty in YAML: it changes nothing."""
    (here / "a.yaml").write_text(
        "extends: fengqiao\nlevers:\n  self_governance:\n    # councils: 0.1\n"
        "  rule_of_law:\n    enforcement: 0.2\npopulation:\n", encoding="utf-8")
    found = differences(load_scenario("fengqiao"), load_scenario("a.yaml"))
    assert [(d.path, d.second) for d in found] == [("levers.rule_of_law.enforcement", 0.2)]
    (here / "b.yaml").write_text("levers:\n  rule_of_law:\n", encoding="utf-8")
    assert differences(load_scenario("default"), load_scenario("b.yaml")) == []
    # One parameter left without a value is still a mistake, named as such.
    (here / "c.yaml").write_text("levers:\n  rule_of_law:\n    enforcement:\n",
                                 encoding="utf-8")
    code, _, err = cogov("validate", "c.yaml")
    assert code == 2 and "c.yaml:3: levers.rule_of_law.enforcement" in err
