"""Tests for scenario files as students meet them: the loader, `extends:` chains and messages.

Every failure case checks the fields a student uses to fix a file (file, line, field path,
bad value, what is allowed, the nearest valid name), not just that loading fails. The raw
YAML layer has its own tests (test_yaml_safe.py); here the same dangers are checked through
the loader, which is what the command line and the browser view call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulation.scenario import (
    BUNDLED_DIR,
    LEVER_PATHS,
    Problem,
    Scenario,
    ScenarioError,
    bundled_names,
    changed_values,
    iter_parameters,
    load_scenario,
    load_scenario_file,
    validate_files,
    with_values,
)
from simulation.scenario import memory as memory_module

NOT_INHERITED = ("name", "description", "description_zh", "extends")


# ------------------------------------------------------------------ helpers


def write(folder: Path, name: str, text: str | bytes) -> Path:
    """Write `name`.yaml into `folder` and return its path."""
    path = folder / f"{name}.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[Problem]:
    """The problems of a file that must not load."""
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    problems = info.value.problems
    assert problems, "a ScenarioError must carry at least one problem"
    return problems


def only_problem(path: Path) -> Problem:
    problems = problems_of(path)
    assert len(problems) == 1, problems
    return problems[0]


def same_file(shown: str | None, path: Path) -> bool:
    return shown is not None and Path(shown).resolve() == path.resolve()


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first line of `path` that contains `needle`."""
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in text:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def params_only(scenario: Scenario) -> dict[str, Any]:
    """Everything that is inherited: the dump without name, descriptions and extends."""
    return scenario.model_dump(exclude=set(NOT_INHERITED))


def flatten(data: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "."))
        else:
            out[path] = value
    return out


# ------------------------------------------------------------------ bundled scenarios


BUNDLED = bundled_names()


def test_there_are_bundled_scenarios() -> None:
    assert "baseline" in BUNDLED and "default" in BUNDLED and "fengqiao" in BUNDLED
    assert len(BUNDLED) >= 10


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenario_loads_with_descriptions_and_a_comment(name: str) -> None:
    path = BUNDLED_DIR / f"{name}.yaml"
    scenario = load_scenario(name)
    assert scenario.name == name
    assert load_scenario(path) == scenario  # by name and by path alike
    assert scenario.description.strip(), f"{path.name} has no `description:`"
    assert scenario.description_zh.strip(), f"{path.name} has no `description_zh:`"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert any(line.lstrip().startswith("#") for line in lines), (
        f"{path.name} has no comment line explaining the scenario"
    )


def test_bundled_names_and_descriptions_are_unique() -> None:
    stems = [p.stem for p in BUNDLED_DIR.iterdir() if p.suffix in (".yaml", ".yml")]
    lowered = [s.lower() for s in stems]
    assert len(set(lowered)) == len(lowered), f"duplicate scenario names: {sorted(stems)}"
    assert len(set(BUNDLED)) == len(BUNDLED)
    descriptions = [load_scenario(n).description for n in BUNDLED]
    assert len(set(descriptions)) == len(descriptions), "two scenarios share a description"


def test_validate_files_accepts_every_bundled_file() -> None:
    results = validate_files([str(BUNDLED_DIR / f"{n}.yaml") for n in BUNDLED])
    assert {p: probs for p, probs in results.items() if probs} == {}


# ------------------------------------------------------------------ extends


def test_extends_resolves_beside_the_file_before_the_bundled_one(tmp_path: Path) -> None:
    write(tmp_path, "baseline", "description: my own baseline\n"
          "levers:\n  rule_of_law:\n    enforcement: 0.77\n")
    child = write(tmp_path, "child", "extends: baseline\n")
    scenario = load_scenario_file(child)
    assert scenario.levers.rule_of_law.enforcement == 0.77
    # Everything else comes from the local file (i.e. the defaults), not bundled baseline.
    bundled = load_scenario("baseline")
    assert bundled.levers.self_governance.councils != Scenario().levers.self_governance.councils
    assert scenario.levers.self_governance.councils == Scenario().levers.self_governance.councils


def test_extends_a_missing_scenario_suggests_the_nearest_name(tmp_path: Path) -> None:
    path = write(tmp_path, "mine", "description: x\nextends: baselin\n")
    p = only_problem(path)
    assert same_file(p.file, path)
    assert p.line == 2
    assert p.path == "extends"
    assert p.value == "baselin"
    assert p.suggestion == "baseline"
    assert p.allowed is not None and "baseline" in p.allowed
    assert "did you mean 'baseline'?" in p.format()


def test_extends_cycle_is_reported(tmp_path: Path) -> None:
    a = write(tmp_path, "a", "extends: b\n")
    b = write(tmp_path, "b", "# b goes back to a\nextends: a\n")
    p = only_problem(a)
    assert p.path == "extends"
    assert "cycle" in p.message
    assert "a.yaml" in p.message and "b.yaml" in p.message
    assert same_file(p.file, b) and p.line == 2  # the extends that closes the loop
    assert p.value == "a"


def test_extends_itself_is_a_cycle(tmp_path: Path) -> None:
    path = write(tmp_path, "loop", "description: x\nextends: loop\n")
    p = only_problem(path)
    assert p.path == "extends" and "cycle" in p.message
    assert same_file(p.file, path) and p.line == 2
    assert p.value == "loop"


@pytest.mark.parametrize("value, expected", [("5", 5), ("[baseline]", ["baseline"]),
                                             ("''", "")])
def test_extends_must_be_a_name(tmp_path: Path, value: str, expected: object) -> None:
    path = write(tmp_path, "mine", f"description: x\nextends: {value}\n")
    p = only_problem(path)
    assert same_file(p.file, path) and p.line == 2 and p.path == "extends"
    assert p.value == expected
    assert p.allowed is not None and "baseline" in p.allowed


# ------------------------------------------------------------------ inheritance


def test_child_changes_one_lever_and_keeps_everything_else() -> None:
    parent = load_scenario("baseline")
    child = load_scenario("rule_of_law")
    expected = params_only(parent)
    expected["levers"]["rule_of_law"] = {"legal_services": 0.9, "court_linkage": 0.9,
                                         "enforcement": 0.9}
    assert params_only(child) == expected


def test_child_in_tmp_changes_one_lever_of_a_bundled_parent(tmp_path: Path) -> None:
    child = load_scenario_file(write(tmp_path, "tweak", "extends: fengqiao\n"
                                     "levers:\n  rule_of_law:\n    enforcement: 0.11\n"))
    expected = params_only(load_scenario("fengqiao"))
    expected["levers"]["rule_of_law"]["enforcement"] = 0.11
    assert params_only(child) == expected


def test_lists_replace_the_parents_list_whole(tmp_path: Path) -> None:
    write(tmp_path, "parent", """\
description: parent
shocks:
  - kind: income
    magnitude: 0.2
  - kind: legitimacy
    magnitude: 0.3
schedules:
  - parameter: levers.rule_of_law.enforcement
    to: 0.9
""")
    child = load_scenario_file(write(tmp_path, "child", """\
extends: parent
shocks:
  - kind: dispute_surge
    magnitude: 3
"""))
    assert [s.kind for s in child.shocks] == ["dispute_surge"]
    assert child.shocks[0].magnitude == 3.0
    assert child.shocks[0].week == 52  # the Shock default, not the parent's first item
    # A list the child does not mention is inherited whole.
    assert [r.parameter for r in child.schedules] == ["levers.rule_of_law.enforcement"]
    # An empty list clears the parent's.
    cleared = load_scenario_file(write(tmp_path, "cleared", "extends: parent\nshocks: []\n"))
    assert cleared.shocks == ()


def test_name_and_descriptions_are_not_inherited(tmp_path: Path) -> None:
    write(tmp_path, "parent", "name: something_else\ndescription: parent text\n"
          "description_zh: 父\npopulation:\n  residents: 2000\n")
    child = load_scenario_file(write(tmp_path, "my_child", "extends: parent\n"))
    assert child.name == "my_child"
    assert child.description == "" and child.description_zh == ""
    assert child.population.residents == 2000
    # A name written in the file itself is overridden by the file's stem too.
    own = load_scenario_file(write(tmp_path, "stem", "name: other\n"))
    assert own.name == "stem"


# ------------------------------------------------------------------ unknown keys and types


@pytest.mark.parametrize("text, line, path, suggestion", [
    ("levres:\n  rule_of_law:\n    enforcement: 0.5\n", 1, "levres", "levers"),
    ("description: x\nlevers:\n  rule_of_law:\n    enforcment: 0.5\n", 4,
     "levers.rule_of_law.enforcment", "enforcement"),
    ("budget:\n  lever_costs:\n    councilz: 3\n", 3, "budget.lever_costs.councilz",
     "councils"),
    ("Population:\n  residents: 2000\n", 1, "Population", "population"),
    ("shocks:\n  - kind: income\n    magnitud: 0.2\n", 3, "shocks[0].magnitud", "magnitude"),
])
def test_unknown_key_names_the_nearest_valid_key(tmp_path: Path, text: str, line: int,
                                                  path: str, suggestion: str) -> None:
    file = write(tmp_path, "mine", text)
    p = only_problem(file)
    assert same_file(p.file, file)
    assert p.line == line
    assert p.path == path
    assert p.suggestion == suggestion
    assert "unknown key" in p.message
    assert p.allowed is not None and suggestion in p.allowed


@pytest.mark.parametrize("text, path, value, kind_words", [
    ("population:\n  residents: 'many'\n", "population.residents", "many", "the word"),
    ("population:\n  residents: '2000'\n", "population.residents", "2000", "quotes"),
    ("population:\n  residents: yes\n", "population.residents", True, "yes/no"),
    ("population:\n  urban_share: '0.5'\n", "population.urban_share", "0.5", "quotes"),
    ("population:\n  residents: 1e3\n", "population.residents", "1e3", "1000"),
    ("population:\n  residents: 2000.5\n", "population.residents", 2000.5, "whole number"),
])
def test_wrong_type_for_a_number(tmp_path: Path, text: str, path: str, value: object,
                                 kind_words: str) -> None:
    file = write(tmp_path, "mine", text)
    p = only_problem(file)
    assert same_file(p.file, file) and p.line == 2 and p.path == path
    assert p.value == value and type(p.value) is type(value)
    assert p.allowed is not None and "number" in p.allowed and "from" in p.allowed
    assert kind_words in p.message


def test_a_list_where_a_mapping_belongs(tmp_path: Path) -> None:
    file = write(tmp_path, "mine", "description: x\nlevers: [a, b]\n")
    p = only_problem(file)
    assert same_file(p.file, file) and p.line == 2 and p.path == "levers"
    assert p.value == ["a", "b"]
    assert "mapping" in p.message and p.allowed is not None and "mapping" in p.allowed


def test_a_mapping_where_a_list_belongs(tmp_path: Path) -> None:
    file = write(tmp_path, "mine", "description: x\nshocks: {kind: income}\n")
    p = only_problem(file)
    assert same_file(p.file, file) and p.line == 2 and p.path == "shocks"
    assert p.value == {"kind": "income"}
    assert "list" in p.message and p.allowed is not None and "- " in p.allowed


@pytest.mark.parametrize("section, key, value, bounds", [
    ("population", "residents", 50, ("100", "1,000,000")),
    ("population", "urban_share", 1.2, ("0", "1")),
    ("network", "cross_grid_share", 0.6, ("0", "0.5")),
    ("network", "ties_urban", 0.5, ("1", "50")),
    ("run", "steps", 0, ("1", "5,200")),
    ("ladder", "patrol_hours_for_detection", 0.0, ("0.001", "10")),
    ("welfare", "income_rural_mean", -5, ("1,000", "1,000,000")),
])
def test_out_of_range_gives_the_bounds(tmp_path: Path, section: str, key: str, value: float,
                                       bounds: tuple[str, str]) -> None:
    file = write(tmp_path, "mine", f"# a student's file\n{section}:\n  {key}: {value}\n")
    p = only_problem(file)
    assert same_file(p.file, file) and p.line == 3
    assert p.path == f"{section}.{key}"
    assert p.value == value
    assert "out of range" in p.message
    lo, hi = bounds
    assert p.allowed is not None and f"from {lo} to {hi}" in p.allowed, p.allowed


def test_out_of_range_lever(tmp_path: Path) -> None:
    file = write(tmp_path, "mine", "levers:\n  rule_of_law:\n    enforcement: 1.5\n")
    p = only_problem(file)
    assert p.line == 3 and p.path == "levers.rule_of_law.enforcement" and p.value == 1.5
    assert p.allowed is not None and "from 0 to 1" in p.allowed


@pytest.mark.parametrize("text, path, value, suggestion", [
    ("shocks:\n  - kind: incom\n", "shocks[0].kind", "incom", "income"),
    ("shocks:\n  - kind: income\n    group: rual\n", "shocks[0].group", "rual", "rural"),
    ("network:\n  generator: small_wrld\n", "network.generator", "small_wrld", "small_world"),
])
def test_choice_typo_names_the_nearest_choice(tmp_path: Path, text: str, path: str,
                                              value: str, suggestion: str) -> None:
    file = write(tmp_path, "mine", text)
    p = only_problem(file)
    assert same_file(p.file, file) and p.path == path and p.value == value
    assert p.line == line_of(file, value)
    assert p.suggestion == suggestion
    assert p.allowed is not None and p.allowed.startswith("one of:") and suggestion in p.allowed


def test_choice_typo_surge_is_located(tmp_path: Path) -> None:
    file = write(tmp_path, "mine", "shocks:\n  - kind: surge\n    week: 3\n")
    p = only_problem(file)
    assert p.path == "shocks[0].kind" and p.line == 2 and p.value == "surge"
    assert p.allowed == "one of: dispute_surge, legitimacy, income"


def test_choice_typo_surge_suggests_dispute_surge(tmp_path: Path) -> None:
    file = write(tmp_path, "mine", "shocks:\n  - kind: surge\n    week: 3\n")
    assert only_problem(file).suggestion == "dispute_surge"


def test_schedule_of_a_non_lever_is_located(tmp_path: Path) -> None:
    file = write(tmp_path, "mine", "schedules:\n  - to: 0.5\n"
                 "    parameter: population.residents\n")
    p = only_problem(file)
    assert same_file(p.file, file)
    assert p.path == "schedules[0].parameter"
    assert p.line == 3
    assert "not a lever" in p.message
    assert p.allowed is not None and all(lv in p.allowed for lv in LEVER_PATHS)


def test_schedule_of_a_misspelt_lever_suggests_the_lever(tmp_path: Path) -> None:
    file = write(tmp_path, "mine", "schedules:\n"
                 "  - parameter: levers.rule_of_law.enforcment\n    to: 0.5\n")
    p = only_problem(file)
    assert p.path == "schedules[0].parameter" and p.line == 2
    assert p.value == "levers.rule_of_law.enforcment"
    assert p.suggestion == "levers.rule_of_law.enforcement"


def test_ramp_that_ends_before_it_starts_is_refused(tmp_path: Path) -> None:
    file = write(tmp_path, "mine", "schedules:\n  - parameter: levers.rule_of_law.enforcement\n"
                 "    start_week: 50\n    end_week: 10\n")
    p = only_problem(file)
    assert same_file(p.file, file)
    assert "10" in p.message and "50" in p.message and "before" in p.message


def test_ramp_that_ends_before_it_starts_points_at_end_week(tmp_path: Path) -> None:
    file = write(tmp_path, "mine", "schedules:\n  - parameter: levers.rule_of_law.enforcement\n"
                 "    start_week: 50\n    end_week: 10\n")
    p = only_problem(file)
    assert p.path == "schedules[0].end_week"
    assert p.line == 4


def test_legitimacy_shock_above_one_is_refused(tmp_path: Path) -> None:
    file = write(tmp_path, "mine", "shocks:\n  - kind: legitimacy\n    magnitude: 2\n")
    p = only_problem(file)
    assert same_file(p.file, file)
    assert "more than 1" in p.message and "legitimacy" in p.message
    # The same magnitude is fine for a dispute surge (a multiplier, up to 10).
    ok = load_scenario_file(write(tmp_path, "ok", "shocks:\n  - kind: dispute_surge\n"
                                  "    magnitude: 2\n"))
    assert ok.shocks[0].magnitude == 2.0


def test_legitimacy_shock_above_one_points_at_magnitude(tmp_path: Path) -> None:
    file = write(tmp_path, "mine", "shocks:\n  - kind: legitimacy\n    magnitude: 2\n")
    p = only_problem(file)
    assert p.path == "shocks[0].magnitude"
    assert p.line == 3


def test_validator_error_in_the_second_list_item_is_a_scenario_error(tmp_path: Path) -> None:
    file = write(tmp_path, "mine", "shocks:\n  - kind: income\n    magnitude: 0.1\n"
                 "  - kind: legitimacy\n    magnitude: 2\n")
    p = only_problem(file)
    assert p.path == "shocks[1].magnitude"
    assert p.line == 5


def test_network_file_generator_needs_a_file(tmp_path: Path) -> None:
    file = write(tmp_path, "mine", "description: x\nnetwork:\n  generator: file\n")
    p = only_problem(file)
    assert same_file(p.file, file)
    assert p.path == "network.file"
    assert p.line in (2, 3)  # `network:` or its `generator:` line
    assert "file" in p.message


def test_dispute_shares_all_zero_is_refused(tmp_path: Path) -> None:
    zeros = "".join(f"  share_{k}: 0\n" for k in ("neighbour_family", "property_land",
                                                  "labour_wages", "consumer_market",
                                                  "public_service"))
    file = write(tmp_path, "mine", "description: x\ndisputes:\n" + zeros)
    p = only_problem(file)
    assert same_file(p.file, file)
    assert p.path == "disputes" and p.line == 2
    assert "zero" in p.message


# ------------------------------------------------------------------ lines across files


def test_inherited_bad_value_points_at_the_parent_file_and_line(tmp_path: Path) -> None:
    parent = write(tmp_path, "parent", "# parent\ndescription: p\nlevers:\n  rule_of_law:\n"
                   "    enforcement: 1.5\n")
    child = write(tmp_path, "child", "extends: parent\nlevers:\n  rule_of_law:\n"
                  "    legal_services: 0.2\npopulation:\n  residents: 5\n")
    problems = {p.path: p for p in problems_of(child)}
    assert set(problems) == {"levers.rule_of_law.enforcement", "population.residents"}
    inherited = problems["levers.rule_of_law.enforcement"]
    assert same_file(inherited.file, parent) and inherited.line == 5
    assert inherited.value == 1.5
    own = problems["population.residents"]
    assert same_file(own.file, child) and own.line == 6 and own.value == 5


def test_inherited_list_item_points_at_the_parent(tmp_path: Path) -> None:
    parent = write(tmp_path, "parent", "description: p\nshocks:\n  - kind: incom\n")
    child = write(tmp_path, "child", "extends: parent\n")
    p = only_problem(child)
    assert same_file(p.file, parent) and p.line == 3 and p.path == "shocks[0].kind"
    assert p.suggestion == "income"


def test_child_overriding_a_bad_parent_value_fixes_it(tmp_path: Path) -> None:
    write(tmp_path, "parent", "levers:\n  rule_of_law:\n    enforcement: 1.5\n")
    child = write(tmp_path, "child", "extends: parent\nlevers:\n  rule_of_law:\n"
                  "    enforcement: 0.5\n")
    assert load_scenario_file(child).levers.rule_of_law.enforcement == 0.5


def test_bad_value_in_a_child_that_replaces_a_parent_list_points_at_the_child(
        tmp_path: Path) -> None:
    write(tmp_path, "parent", "shocks:\n  - kind: income\n    magnitude: 0.2\n")
    child = write(tmp_path, "child", "extends: parent\nshocks:\n  - kind: income\n"
                  "    week: -1\n")
    p = only_problem(child)
    assert same_file(p.file, child) and p.line == 4 and p.path == "shocks[0].week"


def test_several_problems_are_reported_at_once(tmp_path: Path) -> None:
    file = write(tmp_path, "mine", """\
levres: 1
population:
  residents: 5
  urban_share: '0.5'
shocks:
  - kind: incom
levers:
  rule_of_law:
    enforcment: 0.3
""")
    problems = {p.path: p for p in problems_of(file)}
    assert {path: p.line for path, p in problems.items()} == {
        "levres": 1,
        "population.residents": 3,
        "population.urban_share": 4,
        "shocks[0].kind": 6,
        "levers.rule_of_law.enforcment": 9,
    }
    assert all(same_file(p.file, file) for p in problems.values())
    assert problems["levres"].suggestion == "levers"
    assert problems["shocks[0].kind"].suggestion == "income"
    assert problems["levers.rule_of_law.enforcment"].suggestion == "enforcement"


def test_validate_files_reports_instead_of_raising(tmp_path: Path) -> None:
    good = write(tmp_path, "good", "extends: baseline\n")
    bad = write(tmp_path, "bad", "levres: 1\n")
    missing = tmp_path / "missing.yaml"
    results = validate_files([str(good), str(bad), str(missing)])
    assert results[str(good)] == []
    assert [p.path for p in results[str(bad)]] == ["levres"]
    assert results[str(bad)][0].file == str(bad)
    assert results[str(missing)][0].file == str(missing)


# ------------------------------------------------------------------ sizes


def test_too_many_residents_is_out_of_range(tmp_path: Path) -> None:
    file = write(tmp_path, "huge", "description: x\npopulation:\n  residents: 100000000\n")
    p = only_problem(file)
    assert p.path == "population.residents" and p.line == 3 and p.value == 100_000_000
    assert p.allowed is not None and "1,000,000" in p.allowed


BIG = "description: x\npopulation:\n  residents: 1000000\nnetwork:\n  ties_rural: 50\n" \
      "  ties_urban: 50\n"


def test_memory_check_refuses_what_the_machine_cannot_hold(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = write(tmp_path, "big", BIG)
    monkeypatch.setattr(memory_module, "memory_limit_bytes", lambda: 2**30)  # 1 GiB
    county = load_scenario_file(file)  # valid: the file does not depend on the machine
    with pytest.raises(ScenarioError) as info:
        memory_module.check_fits_in_memory(county, file=str(file))
    [p] = info.value.problems
    assert p.path == "population.residents" and p.file == str(file)
    assert "GiB" in p.message and "1,000,000" in p.message
    # With room enough the same county may run: the refusal is the memory check's.
    monkeypatch.setattr(memory_module, "memory_limit_bytes", lambda: 2**50)
    memory_module.check_fits_in_memory(county)


def test_real_memory_limit_refuses_a_million_residents_with_fifty_ties(tmp_path: Path) -> None:
    need = 1_000_000 * (memory_module.BYTES_PER_RESIDENT + 50 * memory_module.BYTES_PER_TIE)
    if need <= memory_module.memory_limit_bytes():
        pytest.skip("this machine could hold it")
    assert memory_module.memory_problem(load_scenario_file(write(tmp_path, "big", BIG)))


@pytest.mark.parametrize("text", [
    "description: x\npopulation:\n  residents: 100000000\n",
    BIG,
])
def test_oversized_scenario_builds_no_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str],
                                            text: str) -> None:
    from cli.main import main
    from simulation.model import CoGovernanceModel

    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail("a model was built for a scenario that should have been refused")

    monkeypatch.setattr(memory_module, "memory_limit_bytes", lambda: 2**30)
    monkeypatch.setattr(CoGovernanceModel, "__init__", refuse)
    file = write(tmp_path, "big", text)
    code = main(["run", str(file), "--steps", "1", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert "population.residents" in err and str(file) in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ YAML dangers


def test_python_tag_is_refused_and_nothing_runs(tmp_path: Path) -> None:
    marker = tmp_path / "MARKER"
    file = write(tmp_path, "evil", f"description: x\nlevers: !!python/object/apply:os.system "
                 f"['touch {marker}']\n")
    p = only_problem(file)
    assert not marker.exists()
    assert same_file(p.file, file) and p.line == 2 and p.path == "levers"
    assert "tag" in p.message and "python/object" in str(p.value)


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefg", "bcdefgh", strict=False):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    file = write(tmp_path, "bomb", "\n".join(lines) + "\n")
    p = only_problem(file)
    assert same_file(p.file, file) and p.line is not None
    assert "expands" in p.message


def test_undecodable_bytes_are_refused(tmp_path: Path) -> None:
    file = write(tmp_path, "bytes", b"description: ok\nlevers: \xff\xfe\x00\n")
    p = only_problem(file)
    assert same_file(p.file, file) and p.line == 2
    assert "UTF-8" in p.message


def test_empty_file_is_refused(tmp_path: Path) -> None:
    file = write(tmp_path, "empty", "")
    p = only_problem(file)
    assert same_file(p.file, file)
    assert "empty" in p.message


def test_empty_file_points_at_line_one(tmp_path: Path) -> None:
    assert only_problem(write(tmp_path, "empty", "")).line == 1


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    file = write(tmp_path, "dup", "description: x\nlevers:\n  rule_of_law:\n"
                 "    enforcement: 0.5\n    enforcement: 0.6\n")
    p = only_problem(file)
    assert same_file(p.file, file) and p.line == 5
    assert p.path == "levers.rule_of_law.enforcement"
    assert "duplicate" in p.message


def test_yaml_problem_in_a_parent_names_the_parent(tmp_path: Path) -> None:
    parent = write(tmp_path, "parent", "description: x\ndescription: y\n")
    child = write(tmp_path, "child", "extends: parent\n")
    p = only_problem(child)
    assert same_file(p.file, parent) and p.line == 2


def test_load_scenario_by_path_names_the_file_as_given(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "mine", "levres: 1\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as info:
        load_scenario("mine.yaml")
    assert info.value.problems[0].file == "mine.yaml"
    assert str(info.value).startswith("mine.yaml:1: levres: unknown key")


def test_load_scenario_unknown_name_suggests_a_bundled_one() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario("fengqaio")
    (p,) = info.value.problems
    assert p.suggestion == "fengqiao"
    assert p.allowed is not None and "baseline" in p.allowed


# ------------------------------------------------------------------ with_values


@pytest.mark.parametrize("path, suggestion", [
    ("levers.rule_of_law.enforcment", "levers.rule_of_law.enforcement"),
    ("levers.rule_of_laws.enforcement", "levers.rule_of_law.enforcement"),
    ("population.resident", "population.residents"),
])
def test_with_values_rejects_an_unknown_path(path: str, suggestion: str) -> None:
    with pytest.raises(ScenarioError) as info:
        with_values(Scenario(), {path: 0.5})
    (p,) = info.value.problems
    assert p.path == path and p.suggestion == suggestion
    assert "unknown parameter" in p.message


@pytest.mark.parametrize("path, value, bounds", [
    ("levers.rule_of_law.enforcement", 3, "from 0 to 1"),
    ("population.residents", 5, "from 100 to 1,000,000"),
])
def test_with_values_rejects_out_of_range(path: str, value: float, bounds: str) -> None:
    with pytest.raises(ScenarioError) as info:
        with_values(Scenario(), {path: value})
    (p,) = info.value.problems
    assert p.path == path and p.value == value
    assert p.allowed is not None and bounds in p.allowed


def test_with_values_changes_only_what_it_is_given() -> None:
    base = load_scenario("baseline")
    changed = with_values(base, {"levers.rule_of_law.enforcement": 0.8})
    assert changed.levers.rule_of_law.enforcement == 0.8
    assert base.levers.rule_of_law.enforcement == 0.5  # the original is untouched
    expected = params_only(base)
    expected["levers"]["rule_of_law"]["enforcement"] = 0.8
    assert params_only(changed) == expected


# ------------------------------------------------------------------ changed_values


def test_changed_values_of_rule_of_law_are_the_levers_its_files_set() -> None:
    def file_values(name: str) -> dict[str, Any]:
        data = yaml.safe_load((BUNDLED_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
        return {k: v for k, v in flatten(data).items() if k.split(".")[0]
                not in NOT_INHERITED}

    written = file_values("default") | file_values("baseline") | file_values("rule_of_law")
    defaults = {spec.path: spec.default for spec in iter_parameters()}
    expected = {k: v for k, v in written.items() if v != defaults[k]}
    assert expected, "rule_of_law and baseline should differ from the defaults"
    assert any(k in LEVER_PATHS for k in expected)
    assert changed_values(load_scenario("rule_of_law")) == expected


def test_the_default_scenario_is_the_calibrated_county_and_changes_nothing() -> None:
    assert changed_values(Scenario()) == {}
    assert changed_values(load_scenario("default")) == {}
    text = (BUNDLED_DIR / "default.yaml").read_text(encoding="utf-8")
    own = {k for k in flatten(yaml.safe_load(text)) if k.split(".")[0] not in NOT_INHERITED}
    assert own == set(), "default.yaml holds no values: it is the calibrated county"


# ------------------------------------------------------------------ equal-cost scenarios


def test_equal_cost_scenarios_spend_the_same_and_more_than_baseline() -> None:
    from simulation.levers import lever_cost_per_resident_year

    names = sorted(p.stem for p in BUNDLED_DIR.glob("equal_cost_*.yaml"))
    assert len(names) >= 2
    costs = {n: lever_cost_per_resident_year(load_scenario(n)) for n in names}
    assert max(costs.values()) - min(costs.values()) <= 0.1, costs
    baseline = lever_cost_per_resident_year(load_scenario("baseline"))
    assert min(costs.values()) > baseline, (costs, baseline)


# ------------------------------------------------------------------ JSON schema


def test_json_schema_file_is_up_to_date() -> None:
    from simulation.scenario.jsonschema import SCHEMA_PATH, schema_text

    assert SCHEMA_PATH == BUNDLED_DIR / "scenario.schema.json"
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "scenarios/scenario.schema.json is out of date: run `./cogov schema`"
    )


def test_bundled_scenarios_validate_against_the_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from simulation.scenario.jsonschema import SCHEMA_PATH

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for name in BUNDLED:
        data = yaml.safe_load((BUNDLED_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
        errors = [e.message for e in validator.iter_errors(data)]
        assert errors == [], f"{name}.yaml: {errors}"
    # And it catches what a student's editor should flag.
    bad = {"levres": {}, "population": {"residents": 5}, "shocks": [{"kind": "surge"}]}
    assert len(list(validator.iter_errors(bad))) == 3
