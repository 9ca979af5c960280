"""Shocks hit only their group (dispute surges too), events outside the run are named in a
note, and a scenario without `extends:` starts from the calibrated county, with no note."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest

from cli.main import main
from simulation.levers import shocks_at
from simulation.model import CoGovernanceModel
from simulation.population import group_mask
from simulation.scenario import BUNDLED_DIR, load_scenario, load_scenario_file
from simulation.scenario.notes import scenario_notes, timing_notes
from tests.conftest import small_scenario


def call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def with_shocks(*shocks: dict, **more) -> object:
    return small_scenario({"shocks": list(shocks), **more})


# ------------------------------------------------------------------ group surges


def test_shocks_at_keeps_each_surge_to_its_group() -> None:
    s = with_shocks({"kind": "dispute_surge", "group": "rural", "week": 5, "magnitude": 3.0,
                     "duration_weeks": 2},
                    {"kind": "dispute_surge", "group": "all", "week": 6, "magnitude": 1.0})
    assert shocks_at(s, 4).arising_multiplier == {}
    assert shocks_at(s, 5).arising_multiplier == {"rural": 4.0}
    assert shocks_at(s, 6).arising_multiplier == {"rural": 4.0, "all": 2.0}
    assert shocks_at(s, 7).arising_multiplier == {}


def test_a_group_surge_multiplies_only_that_groups_hazard() -> None:
    surge = {"kind": "dispute_surge", "group": "rural", "week": 1, "magnitude": 3.0}
    hazards = []
    for scenario in (small_scenario(), with_shocks(surge)):
        model = CoGovernanceModel(scenario, rng=4)  # the shock changes nothing before week 1
        model.week = 1
        model.set_levers_and_shocks()
        hazards.append(model.arising_hazard())
    plain, surged = hazards
    rural = group_mask(model.residents, "rural")
    assert rural.any() and (~rural).any()
    np.testing.assert_allclose(surged[rural], 4.0 * plain[rural], rtol=1e-12)
    np.testing.assert_array_equal(surged[~rural], plain[~rural])


def test_the_bundled_shock_scenario_hits_migrants() -> None:
    s = load_scenario("factory_closure")
    assert {(x.kind, x.group) for x in s.shocks} == {("income", "migrant"),
                                                     ("dispute_surge", "migrant")}
    assert "shock" in s.description.lower() or "closure" in s.description.lower()
    assert s.description_zh
    assert shocks_at(s, 110).arising_multiplier == {"migrant": 4.0}
    assert shocks_at(s, 110).income_multiplier == {"migrant": pytest.approx(0.7)}
    assert timing_notes(s) == []


# ------------------------------------------------------------------ events outside the run


def test_events_outside_the_run_are_named() -> None:
    s = with_shocks({"kind": "income", "week": 300, "magnitude": 0.2},
                    {"kind": "legitimacy", "week": 0, "duration_weeks": 1, "magnitude": 0.2},
                    {"kind": "legitimacy", "week": 0, "duration_weeks": 2, "magnitude": 0.2},
                    {"kind": "income", "week": 260, "magnitude": 0.2},
                    schedules=[
                        {"parameter": "levers.rule_of_law.enforcement", "start_week": 260,
                         "end_week": 300, "to": 1.0},
                        {"parameter": "levers.rule_of_law.enforcement", "start_week": 260,
                         "end_week": 260, "to": 1.0},
                        {"parameter": "levers.rule_of_law.enforcement", "start_week": 259,
                         "end_week": 300, "to": 1.0}])
    notes = timing_notes(s, 260)
    assert len(notes) == 3, notes
    assert notes[0].startswith("shocks[0] (income, from week 300) starts after the run ends")
    assert notes[1].startswith("shocks[1] (legitimacy, week 0) ends before the first step")
    assert notes[2].startswith("schedules[0] (levers.rule_of_law.enforcement, from week 260)")
    assert all("weeks 1 to 260" in n for n in notes)
    assert len(timing_notes(s, 400)) == 1  # a longer run reaches week 300; week 0 stays out


def test_the_run_prints_a_note_and_still_runs(tmp_path: Path) -> None:
    path = tmp_path / "late.yaml"
    path.write_text("extends: baseline\nshocks:\n  - {kind: income, week: 300, "
                    "magnitude: 0.2}\n", encoding="utf-8")
    code, _, err = call(["run", str(path), "--steps", "2", "--set",
                         "population.residents=300", "--out", str(tmp_path / "o")])
    assert code == 0
    assert f"note: {path}: shocks[0] (income, from week 300) starts after the run ends" in err
    code, out, err = call(["validate", str(path)])
    assert code == 0 and f"{path}: ok" in out and "shocks[0]" in err


# ------------------------------------------------------------------ no extends


def test_a_file_without_extends_is_the_calibrated_county_and_needs_no_note(
        tmp_path: Path) -> None:
    bare = tmp_path / "bare.yaml"
    bare.write_text("description: no parent\nladder:\n  grid_workers_per_1000: 2.5\n",
                    encoding="utf-8")
    child = tmp_path / "child.yaml"
    child.write_text("extends: default\nladder:\n  grid_workers_per_1000: 2.5\n",
                     encoding="utf-8")
    # The same county either way: the calibrated values, not the priors (0.65).
    without, with_default = load_scenario_file(bare), load_scenario_file(child)
    assert without.ladder.success_l1 == with_default.ladder.success_l1 == 0.75  # calibrated
    assert without.model_dump(exclude={"name", "description"}) == with_default.model_dump(
        exclude={"name", "description"})
    assert scenario_notes(str(bare), without) == []
    default = BUNDLED_DIR / "default.yaml"
    assert scenario_notes(str(default), load_scenario_file(default)) == []
    code, out, err = call(["validate", str(bare)])
    assert code == 0 and f"{bare}: ok" in out and "note" not in err
