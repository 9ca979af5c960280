"""`run_model(**params)`: the model as a plain function, driven as SALib and EMA drive it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.api import run_model, scenario_with
from simulation.metrics import OUTCOME_NAMES
from simulation.scenario import ScenarioError

SMALL = {"population.residents": 300}


def test_returns_every_outcome_as_floats() -> None:
    out = run_model(seed=1, steps=4, **SMALL)
    assert set(OUTCOME_NAMES) <= set(out)
    assert all(isinstance(v, float) for v in out.values())
    assert out["residents"] == 300 and out["weeks"] == 4


def test_dotted_and_double_underscore_names_are_the_same_run() -> None:
    dotted = run_model(seed=2, steps=6, **SMALL, **{"levers.rule_of_law.enforcement": 0.9})
    under = run_model(seed=2, steps=6, population__residents=300,
                      levers__rule_of_law__enforcement=0.9)
    assert dotted == pytest.approx(under, nan_ok=True)
    other = run_model(seed=2, steps=6, population__residents=300,
                      levers__rule_of_law__enforcement=0.1)
    assert other != pytest.approx(dotted, nan_ok=True)


def test_same_seed_same_numbers_other_seed_other_numbers() -> None:
    a = run_model(seed=5, steps=6, **SMALL)
    assert run_model(seed=5, steps=6, **SMALL) == pytest.approx(a, nan_ok=True)
    assert run_model(seed=6, steps=6, **SMALL) != pytest.approx(a, nan_ok=True)


def test_sampler_values_are_converted() -> None:
    sc, _ = scenario_with({"population__residents": np.float64(412.6),
                           "levers__rule_of_law__enforcement": np.float32(0.25),
                           "ladder.social_organisations": 3.0})
    assert sc.population.residents == 413 and isinstance(sc.population.residents, int)
    assert sc.levers.rule_of_law.enforcement == pytest.approx(0.25)
    assert sc.ladder.social_organisations == 3
    out = run_model(seed=np.int64(3), steps=np.int64(2), population__residents=np.int64(300))
    assert out["weeks"] == 2


def test_unknown_names_suggest_the_nearest() -> None:
    with pytest.raises(ScenarioError) as info:
        run_model(levers__rule_of_law__enforcment=0.5)
    p = info.value.problems[0]
    assert p.suggestion == "levers.rule_of_law.enforcement"
    with pytest.raises(ScenarioError, match="given twice"):
        run_model(**{"levers.rule_of_law.enforcement": 0.5,
                     "levers__rule_of_law__enforcement": 0.6})
    with pytest.raises(ScenarioError) as info:
        run_model(steps=1, outcomes=["trsut"], **SMALL)
    assert info.value.problems[0].suggestion == "trust"


def test_out_of_bounds_is_refused() -> None:
    with pytest.raises(ScenarioError, match="out of range"):
        run_model(levers__rule_of_law__enforcement=1.5)


def test_outcomes_and_scenario_choose_what_runs() -> None:
    out = run_model(scenario="fengqiao", seed=1, steps=3, outcomes=["trust", "arisen"],
                    **SMALL)
    assert list(out) == ["trust", "arisen"]


def test_salib_drives_run_model_and_indices_are_finite() -> None:
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    problem = {
        "num_vars": 2,
        "names": ["levers__smart_governance__platform_coverage",
                  "levers__rule_of_law__enforcement"],
        "bounds": [[0.0, 1.0], [0.0, 1.0]],
    }
    X = sobol_sample.sample(problem, 8, calc_second_order=False, seed=1)
    assert X.shape == (8 * 4, 2)
    Y = np.array([
        run_model(seed=7, steps=10, outcomes=["welfare_mean"], population__residents=300,
                  **dict(zip(problem["names"], row, strict=True)))["welfare_mean"]
        for row in X
    ])
    assert np.isfinite(Y).all() and Y.std() > 0
    si = sobol_analyze.analyze(problem, Y, calc_second_order=False, seed=1)
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        assert all(math.isfinite(v) for v in si[key]), key


def test_ema_style_call_with_keyword_names() -> None:
    # The EMA Workbench calls function(**{uncertainty.name: value, ...}) with plain names.
    def model(**kwargs):
        return run_model(**kwargs)

    out = model(seed=1, steps=3, outcomes=["resolved"], population__residents=300,
                levers__self_governance__councils=0.6)
    assert set(out) == {"resolved"}
