"""`run_model` as outside clients use it: weekly series for EMA's TimeSeriesOutcome, a
docstring that documents it, and a misspelt outcome that stops with its name."""

from __future__ import annotations

import pickle
import pydoc

import numpy as np
import pytest

from experiments.api import OutcomeError, Outcomes, run_model
from simulation.scenario import ScenarioError

SMALL = {"population.residents": 300}


def test_series_come_week_by_week_and_end_at_the_summary() -> None:
    county = {**SMALL, "population.residents": 1000}  # enough endings for a resolution rate
    plain = run_model(seed=3, steps=8, **county)
    out = run_model(seed=3, steps=8, series=["trust", "arisen", "open"], **county)
    assert not np.isnan(plain["resolution_rate"])
    for name in ("trust", "arisen", "open"):
        assert isinstance(out[name], np.ndarray) and out[name].shape == (9,)  # weeks 0-8
    # The same run: the summary's trust is the mean of the weekly values after week 0.
    assert out["trust"][1:].mean() == pytest.approx(plain["trust"], rel=1e-12)
    assert out["arisen"][0] == 0 and out["arisen"][-1] == plain["arisen"]
    assert (np.diff(out["arisen"]) >= 0).all()  # a cumulative count
    assert out["resolution_rate"] == plain["resolution_rate"]
    assert isinstance(out["resolution_rate"], float)  # numbers still there


def test_a_series_and_the_same_number_cannot_both_be_asked_for() -> None:
    with pytest.raises(ScenarioError, match="both as a number"):
        run_model(steps=1, outcomes=["trust"], series=["trust"], **SMALL)
    with pytest.raises(ScenarioError) as info:
        run_model(steps=1, series=["trsut"], **SMALL)
    assert info.value.problems[0].suggestion == "trust"


def test_a_misspelt_outcome_is_an_error_not_a_missing_value() -> None:
    out = run_model(seed=1, steps=2, **SMALL)
    # What the EMA Workbench does with each outcome name: a KeyError becomes None.
    with pytest.raises(OutcomeError) as info:
        try:
            out["resolution_rat"]
        except KeyError:
            pytest.fail("a misspelt outcome was a KeyError: EMA would record None")
    p = info.value.problems[0]
    assert p.message == "unknown outcome 'resolution_rat'"
    assert p.suggestion == "resolution_rate"
    chosen = run_model(seed=1, steps=2, outcomes=["trust"], **SMALL)
    with pytest.raises(OutcomeError, match="'welfare_gini' was not asked for"):
        chosen["welfare_gini"]
    assert chosen.get("welfare_gini") is None  # dict semantics where asked for explicitly


def test_results_and_errors_cross_process_boundaries() -> None:
    out = run_model(seed=1, steps=2, series=["open"], **SMALL)
    back = pickle.loads(pickle.dumps(out))
    assert isinstance(back, Outcomes) and back.keys() == out.keys()
    np.testing.assert_array_equal(back["open"], out["open"])
    with pytest.raises(OutcomeError) as info:
        out["trsut"]
    again = pickle.loads(pickle.dumps(info.value))
    assert isinstance(again, OutcomeError) and again.problems == info.value.problems


def test_help_documents_every_argument() -> None:
    text = pydoc.render_doc(run_model, renderer=pydoc.plaintext)
    assert "see the module docstring" not in text
    for word in ("seed", "steps", "scenario", "outcomes", "series", "params",
                 "levers__rule_of_law__enforcement", "TimeSeriesOutcome", "Examples",
                 "OutcomeError", "STEP_METRICS", "OUTCOME_NAMES"):
        assert word in text, word
