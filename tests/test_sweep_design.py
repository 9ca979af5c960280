"""Experiment files as researchers write them: checks, messages, designs and seeds.

Every bad file is checked for what a user needs to fix it (file, line, field path, bad
value, what is allowed, the nearest name), like the scenario loader's tests. No model
runs here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from experiments.design import (
    bundled_experiments,
    load_experiment,
    resolve_experiment,
    run_seed,
)
from simulation.metrics import OUTCOME_NAMES
from simulation.scenario import Problem, ScenarioError, with_values

GOOD = """\
base: default
set:
  population.residents: 500
factors:
  levers.rule_of_law.enforcement:
    levels: [0.1, 0.9]
  self_governance:
    parameters: [levers.self_governance.councils, levers.self_governance.volunteer_incentives]
    low: 0.1
    high: 0.7
design: full_factorial
replications: 3
steps: 13
seed: 7
outcomes: [resolution_rate, trust]
"""


def write(tmp_path: Path, text: str, name: str = "exp") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[Problem]:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    assert info.value.problems
    return info.value.problems


def only(tmp_path: Path, text: str) -> Problem:
    found = problems(tmp_path, text)
    assert len(found) == 1, [p.format() for p in found]
    return found[0]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# ------------------------------------------------------------------ bundled and good files


@pytest.mark.parametrize("name", ["smoke", "four_governances_factorial", "sobol_levers",
                                  "equal_budget"])
def test_bundled_experiments_load(name: str) -> None:
    assert name in bundled_experiments()
    exp = load_experiment(resolve_experiment(name))
    assert exp.n_runs == exp.n_points * exp.replications > 0
    assert exp.description


def test_smoke_is_a_few_dozen_short_small_runs() -> None:
    exp = load_experiment(resolve_experiment("smoke"))
    assert 20 <= exp.n_runs <= 60
    assert exp.steps <= 52
    assert next(iter(exp.bases.values())).population.residents <= 2000


def test_four_governances_factorial_is_2_to_the_4() -> None:
    exp = load_experiment(resolve_experiment("four_governances_factorial"))
    assert [f.name for f in exp.factors] == ["self_governance", "rule_of_law",
                                             "rule_of_virtue", "smart_governance"]
    assert exp.n_points == 16 and exp.replications >= 2
    # a factor sets all of its governance's levers to one value
    values = exp.parameter_values(5)
    law = [v for p, v in values.items() if p.startswith("levers.rule_of_law.")]
    assert len(law) == 3 and len(set(law)) == 1


def test_sobol_levers_is_saltelli_sized() -> None:
    exp = load_experiment(resolve_experiment("sobol_levers"))
    d = len(exp.factors)
    assert exp.n_points == exp.samples * (d + 2)
    assert exp.samples & (exp.samples - 1) == 0  # a power of 2


def test_equal_budget_crosses_scenarios_with_budget_levels() -> None:
    from simulation.levers import lever_cost_per_resident_year

    exp = load_experiment(resolve_experiment("equal_budget"))
    scen = next(f for f in exp.factors if f.name == "scenario")
    assert len(scen.levels) >= 3
    assert set(exp.bases) == set(scen.levels)
    assert exp.base_name(0) == scen.levels[0]
    # At each point every mix spends exactly the point's lever budget.
    for point in range(exp.n_points):
        task = exp.task(point, 0)
        scenario = with_values(task.scenario, dict(task.values))
        spend = scenario.budget.lever_spending
        assert spend is not None
        assert lever_cost_per_resident_year(scenario) == pytest.approx(spend, rel=1e-6)


def test_good_file_full_factorial(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, GOOD))
    assert exp.n_points == 4 and exp.n_runs == 12
    assert exp.points[0] == {"levers.rule_of_law.enforcement": 0.1, "self_governance": 0.1}
    assert exp.points[-1] == {"levers.rule_of_law.enforcement": 0.9, "self_governance": 0.7}
    assert exp.outcomes == ("resolution_rate", "trust")
    task = exp.task(3, 2)
    assert dict(task.values) == {"levers.rule_of_law.enforcement": 0.9,
                                 "levers.self_governance.councils": 0.7,
                                 "levers.self_governance.volunteer_incentives": 0.7}
    assert task.scenario.population.residents == 500
    assert task.steps == 13


def test_outcomes_default_to_all(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, GOOD.replace(
        "outcomes: [resolution_rate, trust]\n", "")))
    assert exp.outcomes == OUTCOME_NAMES


def test_points_take_a_range_apart(tmp_path: Path) -> None:
    text = GOOD.replace("    high: 0.7\n", "    high: 0.7\n    points: 4\n")
    exp = load_experiment(write(tmp_path, text))
    assert sorted({p["self_governance"] for p in exp.points}) == pytest.approx(
        [0.1, 0.3, 0.5, 0.7])


def test_latin_hypercube_and_sobol_stay_in_bounds_and_are_reproducible(tmp_path: Path
                                                                       ) -> None:
    for design, samples, expected in (("latin_hypercube", 10, 10), ("sobol", 8, 8 * 4)):
        text = GOOD.replace("    levels: [0.1, 0.9]", "    low: 0.2\n    high: 0.4").replace(
            "design: full_factorial", f"design: {design}\nsamples: {samples}")
        a = load_experiment(write(tmp_path, text))
        b = load_experiment(write(tmp_path, text))
        assert a.n_points == expected
        assert list(a.points) == list(b.points) and a.definition_hash == b.definition_hash
        enf = np.array([p["levers.rule_of_law.enforcement"] for p in a.points])
        assert enf.min() >= 0.2 and enf.max() <= 0.4


def test_one_at_a_time_moves_one_factor_from_the_base(tmp_path: Path) -> None:
    text = GOOD.replace("design: full_factorial", "design: one_at_a_time")
    exp = load_experiment(write(tmp_path, text))
    base = exp.points[0]
    assert base["levers.rule_of_law.enforcement"] == 0.3  # the default scenario's value
    varied = [exp.points.varied(i) for i in range(exp.n_points)]
    assert varied[0] is None
    for point, moved in zip(exp.points[1:], varied[1:], strict=True):
        differ = [k for k in point if point[k] != base[k]]
        assert differ == [moved]


def test_integer_parameters_are_rounded(tmp_path: Path) -> None:
    text = GOOD.replace("  levers.rule_of_law.enforcement:\n    levels: [0.1, 0.9]",
                        "  population.residents_per_grid: {low: 100, high: 300}").replace(
        "design: full_factorial", "design: latin_hypercube\nsamples: 6")
    exp = load_experiment(write(tmp_path, text))
    values = [p["population.residents_per_grid"] for p in exp.points]
    assert all(isinstance(v, int) and 100 <= v <= 300 for v in values)


# ------------------------------------------------------------------ seeds and run ids


def test_seeds_are_common_random_numbers_from_a_seed_sequence(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, GOOD))
    for r in range(exp.replications):
        seeds = {exp.seed_for(p, r) for p in range(exp.n_points)}
        assert len(seeds) == 1  # replication r: the same seed at every point
        expected = int(np.random.SeedSequence(7).spawn(r + 1)[r].generate_state(
            1, dtype=np.uint32)[0])
        assert seeds == {expected}
    assert len({exp.seed_for(0, r) for r in range(exp.replications)}) == exp.replications


def test_independent_seeds_when_asked(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, GOOD + "common_random_numbers: false\n"))
    seeds = {exp.seed_for(p, r) for p in range(exp.n_points) for r in range(3)}
    assert len(seeds) == exp.n_runs
    assert exp.seed_for(2, 1) == run_seed(7, (2, 1))


def test_run_ids_are_deterministic_and_name_the_definition(tmp_path: Path) -> None:
    a = load_experiment(write(tmp_path, GOOD))
    b = load_experiment(write(tmp_path, "# a comment changes nothing\n" + GOOD))
    assert a.run_id(3, 2) == b.run_id(3, 2) == f"{a.definition_hash[:8]}-p000003-r0002"
    c = load_experiment(write(tmp_path, GOOD.replace("seed: 7", "seed: 8")))
    assert c.definition_hash != a.definition_hash
    ids = [a.run_id(p, r) for p in range(a.n_points) for r in range(a.replications)]
    assert len(set(ids)) == a.n_runs and ids == sorted(ids)


# ------------------------------------------------------------------ bad files


def test_unknown_factor_path_suggests_the_nearest(tmp_path: Path) -> None:
    text = GOOD.replace("levers.rule_of_law.enforcement:", "levers.rule_of_law.enforcment:")
    p = only(tmp_path, text)
    assert p.file == str(tmp_path / "exp.yaml")
    assert p.line == line_of(text, "enforcment")
    assert p.path == "factors.levers.rule_of_law.enforcment"
    assert p.suggestion == "levers.rule_of_law.enforcement"
    assert "unknown parameter" in p.message


def test_unknown_parameter_in_a_group_is_located(tmp_path: Path) -> None:
    text = GOOD.replace("levers.self_governance.volunteer_incentives]",
                        "levers.self_governance.volunter_incentives]")
    p = only(tmp_path, text)
    assert p.path == "factors.self_governance.parameters[1]"
    assert p.suggestion == "levers.self_governance.volunteer_incentives"


def test_a_bare_lever_name_suggests_its_path(tmp_path: Path) -> None:
    text = GOOD.replace("levers.rule_of_law.enforcement:", "enforcement:")
    p = only(tmp_path, text)
    assert p.suggestion == "levers.rule_of_law.enforcement"
    assert "parameters:" in p.message


def test_range_outside_declared_bounds(tmp_path: Path) -> None:
    text = GOOD.replace("    high: 0.7", "    high: 1.5")
    p = only(tmp_path, text)
    assert p.path == "factors.self_governance.high"
    assert p.line == line_of(text, "high: 1.5")
    assert p.value == 1.5
    assert p.allowed == "a number from 0 to 1 (intensity 0-1)"
    assert "upper bound" in p.message


def test_level_outside_declared_bounds(tmp_path: Path) -> None:
    text = GOOD.replace("levels: [0.1, 0.9]", "levels: [0.1, -0.2]")
    p = only(tmp_path, text)
    assert p.path == "factors.levers.rule_of_law.enforcement.levels[1]"
    assert p.value == -0.2 and "lower bound" in p.message


def test_low_above_high(tmp_path: Path) -> None:
    text = GOOD.replace("    low: 0.1\n    high: 0.7", "    low: 0.7\n    high: 0.1")
    p = only(tmp_path, text)
    assert p.path == "factors.self_governance.low"
    assert "above high" in p.message and p.allowed == "low < high"


def test_empty_levels(tmp_path: Path) -> None:
    p = only(tmp_path, GOOD.replace("levels: [0.1, 0.9]", "levels: []"))
    assert p.path == "factors.levers.rule_of_law.enforcement.levels"
    assert "non-empty" in p.message


def test_unknown_design_suggests(tmp_path: Path) -> None:
    text = GOOD.replace("design: full_factorial", "design: latin_hypercub")
    p = only(tmp_path, text)
    assert p.path == "design" and p.line == line_of(text, "latin_hypercub")
    assert p.suggestion == "latin_hypercube"
    assert "sobol" in p.allowed


def test_sampled_design_needs_samples(tmp_path: Path) -> None:
    p = only(tmp_path, GOOD.replace("design: full_factorial", "design: sobol"))
    assert "samples" in p.message


def test_unknown_outcome_suggests(tmp_path: Path) -> None:
    text = GOOD.replace("[resolution_rate, trust]", "[resolution_rate, trsut]")
    p = only(tmp_path, text)
    assert p.path == "outcomes[1]" and p.value == "trsut" and p.suggestion == "trust"


def test_unknown_top_level_key_and_factor_key(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("replications:", "replicates:").replace(
        "    low: 0.1", "    lo: 0.1"))
    by_path = {p.path: p for p in found}
    assert by_path["replicates"].suggestion == "replications"
    assert by_path["factors.self_governance.lo"].suggestion == "low"


def test_many_problems_are_reported_at_once_in_line_order(tmp_path: Path) -> None:
    text = GOOD.replace("base: default", "base: defualt").replace(
        "design: full_factorial", "design: nope").replace("trust]", "trusst]")
    found = problems(tmp_path, text)
    assert [p.path for p in found] == ["base", "design", "outcomes[1]"]
    assert found[0].suggestion == "default"
    assert [p.line for p in found] == sorted(p.line for p in found)


def test_set_is_checked_like_a_factor(tmp_path: Path) -> None:
    p = only(tmp_path, GOOD.replace("population.residents: 500", "population.residents: 50"))
    assert p.path == "set.population.residents" and "lower bound" in p.message
    assert p.allowed.startswith("a whole number from 100")


def test_a_parameter_in_set_and_a_factor_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("  population.residents: 500",
                        "  population.residents: 500\n  levers.rule_of_law.enforcement: 0.5")
    p = only(tmp_path, text)
    assert p.path == "set.levers.rule_of_law.enforcement"


def test_scenario_factor_levels_are_checked(tmp_path: Path) -> None:
    text = GOOD.replace("base: default\n", "").replace(
        "  levers.rule_of_law.enforcement:\n    levels: [0.1, 0.9]",
        "  scenario:\n    levels: [baseline, fengqaio]")
    p = only(tmp_path, text)
    assert p.path == "factors.scenario.levels[1]" and p.suggestion == "fengqiao"


def test_text_parameters_cannot_be_factors(tmp_path: Path) -> None:
    p = only(tmp_path, GOOD.replace("levers.rule_of_law.enforcement:", "network.file:"))
    assert "cannot be a factor" in p.message


def test_choice_factor_levels(tmp_path: Path) -> None:
    text = GOOD.replace("  levers.rule_of_law.enforcement:\n    levels: [0.1, 0.9]",
                        "  network.generator:\n    levels: [small_world, smal_world]")
    p = only(tmp_path, text)
    assert p.suggestion == "small_world"


def test_yaml_syntax_errors_name_the_file(tmp_path: Path) -> None:
    p = problems(tmp_path, "factors: [\n")[0]
    assert p.file == str(tmp_path / "exp.yaml") and p.line is not None


def test_unknown_experiment_name_suggests_a_bundled_one() -> None:
    with pytest.raises(ScenarioError) as info:
        resolve_experiment("smok")
    assert info.value.problems[0].suggestion == "smoke"


@pytest.mark.parametrize("name", ["seed", "Status", "trust"])
def test_a_factor_may_not_take_a_column_name(tmp_path: Path, name: str) -> None:
    p = only(tmp_path, GOOD.replace("  self_governance:", f"  {name}:"))
    assert p.path == f"factors.{name}" and "column" in p.message


# ------------------------------------------------------------------ the same messages as scenarios


def test_a_wrong_type_is_located_with_what_is_allowed(tmp_path: Path) -> None:
    text = GOOD.replace("replications: 3", "replications: three")
    p = only(tmp_path, text)
    assert p.path == "replications" and p.line == line_of(text, "three")
    assert p.value == "three" and p.allowed == "a whole number from 1 to 100,000"
    assert "expected a whole number" in p.message and "'three'" in p.message


def test_out_of_range_is_located_with_the_bounds(tmp_path: Path) -> None:
    text = GOOD.replace("replications: 3", "replications: 0").replace(
        "seed: 7", "seed: -1")
    found = problems(tmp_path, text)
    assert [(p.path, p.line, p.value, p.message) for p in found] == [
        ("replications", line_of(text, "replications"), 0, "out of range"),
        ("seed", line_of(text, "seed"), -1, "out of range")]
    assert found[0].allowed == "a whole number from 1 to 100,000"


def test_a_yes_no_field_takes_true_or_false(tmp_path: Path) -> None:
    p = only(tmp_path, GOOD + "series: maybe\n")
    assert p.path == "series" and p.allowed == "true or false" and p.line == 16


def test_an_unknown_key_in_a_factor_lists_the_keys(tmp_path: Path) -> None:
    text = GOOD.replace("    low: 0.1", "    lowest: 0.1")
    found = problems(tmp_path, text)
    p = next(p for p in found if p.path == "factors.self_governance.lowest")
    assert p.line == line_of(text, "lowest") and p.suggestion == "low"
    assert p.allowed == "one of: parameter, parameters, low, high, levels, points"
