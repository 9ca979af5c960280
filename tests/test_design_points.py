"""Designs are counted before they are built, and built lazily with the same values.

The oracle for the values is the straightforward construction: numpy.linspace levels in
itertools.product order, the one-at-a-time list built point by point, and SALib's own
samplers. Memory is measured with tracemalloc (numpy reports its buffers to it).
"""

from __future__ import annotations

import itertools
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from experiments.design import MAX_RUNS, design_seed, load_experiment
from experiments.points import Factor
from simulation.scenario import ScenarioError

MIXED = """\
base: default
set:
  population.residents: 500
factors:
  levers.rule_of_law.enforcement:
    levels: [0.1, 0.3, 0.9]
  levers.self_governance.councils:
    low: 0.05
    high: 0.95
    points: 7
  population.residents_per_grid:
    low: 100
    high: 104
    points: 6
  network.attachment:
    levels: [preferential, random]
design: {design}
replications: 2
"""


def write(tmp_path: Path, text: str, name: str = "exp") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def eager_grid(f: Factor) -> list:
    if f.levels is not None:
        return list(f.levels)
    return [f.cast(v) for v in np.linspace(f.low, f.high, f.points or 2)]


def choice_parameter() -> str:
    from simulation.scenario import iter_parameters

    return next(p.path for p in iter_parameters() if p.kind == "choice")


@pytest.fixture
def mixed(tmp_path: Path) -> str:
    from simulation.scenario import parameter_spec

    path = choice_parameter()
    choices = parameter_spec(path).choices
    return MIXED.replace("network.attachment", path).replace(
        "[preferential, random]", "[" + ", ".join(choices[:2]) + "]")


# ------------------------------------------------------------------ the same values


@pytest.mark.parametrize(("low", "high", "n"), [(0.1, 0.9, 2), (0.05, 0.95, 7), (0.0, 1.0, 11),
                                                (100.0, 104.0, 6), (0.2, 0.4, 1_000_003)])
def test_a_level_is_numpys_linspace_value(low: float, high: float, n: int) -> None:
    f = Factor("x", ("x",), "number", low=low, high=high, points=n)
    grid = np.linspace(low, high, n)
    for k in {0, 1, n // 3, n // 2, n - 2, n - 1}:
        assert f.level(k) == grid[k]  # the same float, not a near one


def test_full_factorial_points_are_the_product_of_the_levels(tmp_path: Path,
                                                             mixed: str) -> None:
    exp = load_experiment(write(tmp_path, mixed.format(design="full_factorial")))
    names = [f.name for f in exp.factors]
    expected = [dict(zip(names, combo, strict=True))
                for combo in itertools.product(*(eager_grid(f) for f in exp.factors))]
    assert exp.n_points == len(expected) == 3 * 7 * 6 * 2
    assert list(exp.points) == expected
    assert exp.points[-1] == expected[-1] and exp.points[5:9] == expected[5:9]
    # whole-number levels are rounded (100, 100.8, ... 104 -> 100, 101, 102, 102, 103, 104)
    assert exp.factors[2].grid()[:] == [100, 101, 102, 102, 103, 104]


def test_one_at_a_time_points_are_the_base_then_each_factor_alone(tmp_path: Path,
                                                                  mixed: str) -> None:
    exp = load_experiment(write(tmp_path, mixed.format(design="one_at_a_time")))
    base = exp.points[0]
    expected, moved = [dict(base)], [None]
    for f in exp.factors:  # the construction as written before designs were lazy
        for v in eager_grid(f):
            if v == base[f.name]:
                continue
            expected.append({**base, f.name: v})
            moved.append(f.name)
    assert list(exp.points) == expected
    assert [exp.points.varied(i) for i in range(exp.n_points)] == moved


def test_one_at_a_time_drops_every_copy_of_the_base_value(tmp_path: Path) -> None:
    # residents_per_grid 10..12 over 5 points rounds to 10, 10, 11, 12, 12 (half to even):
    # a base of 10 or 12 occurs twice and both copies go.
    for base, expected in ((12, [12, 10, 10, 11]), (10, [10, 11, 12, 12])):
        write(tmp_path, f"extends: default\npopulation:\n  residents_per_grid: {base}\n",
              name=f"base{base}")
        text = (f"base: base{base}\nfactors:\n"
                "  population.residents_per_grid: {low: 10, high: 12, points: 5}\n"
                "design: one_at_a_time\n")
        exp = load_experiment(write(tmp_path, text))
        assert [p["population.residents_per_grid"] for p in exp.points] == expected


@pytest.mark.parametrize(("design", "samples"), [("latin_hypercube", 37), ("sobol", 16),
                                                 ("sobol", 12)])
def test_sampled_points_are_salibs_samples(tmp_path: Path, mixed: str, design: str,
                                           samples: int) -> None:
    import warnings

    from SALib.sample import latin, sobol

    text = mixed.format(design=design) + f"samples: {samples}\nseed: 3\n"
    exp = load_experiment(write(tmp_path, text))
    problem = exp.salib_problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matrix = (sobol.sample(problem, samples, calc_second_order=False, scramble=True,
                               seed=design_seed(3)) if design == "sobol"
                  else latin.sample(problem, samples, seed=design_seed(3)))
    expected = [{f.name: f.from_sample(x) for f, x in zip(exp.factors, row, strict=True)}
                for row in matrix]
    assert list(exp.points) == expected  # exactly: the same floats


# ------------------------------------------------------------------ counted first


def problems_and_peak(path: Path) -> tuple[list, int]:
    tracemalloc.start()
    try:
        with pytest.raises(ScenarioError) as info:
            load_experiment(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return info.value.problems, peak


HUGE_POINTS = """\
base: default
factors:
  levers.rule_of_law.enforcement:
    low: 0.1
    high: 0.9
    points: 2000000000
"""


def test_two_billion_points_is_a_located_message_without_allocation(tmp_path: Path) -> None:
    found, peak = problems_and_peak(write(tmp_path, HUGE_POINTS))
    [p] = found
    assert p.path == "factors.levers.rule_of_law.enforcement.points" and p.line == 6
    assert p.value == 2_000_000_000 and f"{MAX_RUNS:,}" in p.allowed
    assert peak < 30 * 2**20  # not the 16 GB of two billion levels


def test_a_factorial_over_the_run_limit_names_its_sizes_and_the_largest_range(
        tmp_path: Path) -> None:
    text = ("base: default\nfactors:\n"
            "  levers.rule_of_law.enforcement: {low: 0.1, high: 0.9, points: 5000}\n"
            "  levers.self_governance.councils: {low: 0.1, high: 0.9, points: 4000}\n"
            "replications: 3\n")
    found, peak = problems_and_peak(write(tmp_path, text))
    [p] = found
    assert p.path == "factors.levers.rule_of_law.enforcement.points" and p.line == 3
    assert "60,000,000 runs (5,000 x 4,000 levels x 3 replications)" in p.message
    assert peak < 30 * 2**20


@pytest.mark.parametrize("design", ["sobol", "latin_hypercube"])
def test_two_billion_samples_is_a_located_message_without_allocation(tmp_path: Path,
                                                                     design: str) -> None:
    text = ("base: default\nfactors:\n  levers.rule_of_law.enforcement: {low: 0.1, high: 0.9}"
            "\n  levers.self_governance.councils: {low: 0.1, high: 0.9}\n"
            f"design: {design}\nsamples: 2000000000\n")
    found, peak = problems_and_peak(write(tmp_path, text))
    [p] = found
    assert p.path == "samples" and p.line == 6 and p.value == 2_000_000_000
    assert peak < 30 * 2**20


def test_samples_within_the_run_limit_but_too_many_numbers_to_hold(tmp_path: Path) -> None:
    factors = "".join(f"  levers.rule_of_law.{name}: {{low: 0.1, high: 0.9}}\n"
                      for name in ("enforcement", "legal_services"))
    factors += "".join(f"  levers.self_governance.{name}: {{low: 0.1, high: 0.9}}\n"
                       for name in ("councils", "volunteer_incentives"))
    text = f"base: default\nfactors:\n{factors}design: latin_hypercube\nsamples: 9000000\n"
    found, peak = problems_and_peak(write(tmp_path, text))
    [p] = found
    assert p.path == "samples" and "36,000,000 numbers" in p.message
    assert peak < 30 * 2**20


def test_a_design_the_limit_accepts_is_not_built_before_the_first_run(tmp_path: Path) -> None:
    # 1,953,125 Sobol samples x (3 factors + 2) = 9,765,625 points: only the base sequence
    # (1,953,125 x 6 floats, 94 MB) is held, not a list of nearly ten million points.
    factors = "".join(f"  levers.rule_of_law.{name}: {{low: 0.1, high: 0.9}}\n"
                      for name in ("enforcement", "legal_services"))
    factors += "  levers.self_governance.councils: {low: 0.1, high: 0.9}\n"
    text = (f"base: default\nfactors:\n{factors}design: sobol\nsamples: 1953125\n"
            "steps: 4\n")
    path = write(tmp_path, text)
    tracemalloc.start()
    try:
        exp = load_experiment(path)
        task = exp.task(exp.n_points - 1, 0)  # the last run, ready to go
        assert exp.definition_hash
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert exp.n_points == 9_765_625 and task.point == 9_765_624
    assert peak < 200 * 2**20


@pytest.mark.parametrize(("design", "extra"), [
    ("full_factorial", ""), ("one_at_a_time", ""), ("latin_hypercube", "samples: 23\n"),
    ("sobol", "samples: 8\n")])
def test_the_points_table_columns_are_the_points(tmp_path: Path, mixed: str, design: str,
                                                 extra: str) -> None:
    """The store writes the design a column at a time: the same values as point by point."""
    exp = load_experiment(write(tmp_path, mixed.format(design=design) + extra))
    n = exp.n_points
    for start, stop in ((0, n), (3, n - 2), (n - 1, n)):
        columns = exp.points.columns(start, stop)
        for name in exp.points.names:
            expected = [exp.points[i][name] for i in range(start, stop)]
            got = list(columns[name])
            assert got == expected, name
            assert [type(v) for v in np.asarray(got).tolist()] == [type(v) for v in expected]
