"""Warm-up and measurement windows: outcomes over the run, the last year, and each year."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
import pytest

from simulation.levers import NO_SHOCK
from simulation.metrics import LAST_YEAR, TALLY_NAMES, WINDOWED_NAMES
from simulation.model import CoGovernanceModel
from simulation.scenario import Scenario
from tests.conftest import run, small_scenario


def _same(a: float, b: float) -> bool:
    return a == pytest.approx(b, rel=1e-12, abs=1e-12) or (math.isnan(a) and math.isnan(b))


def test_a_run_of_one_year_has_its_last_year_equal_to_the_run() -> None:
    model = run(small_scenario(), 3, 52)
    out = model.summary()
    for name in WINDOWED_NAMES:
        assert _same(out[name + LAST_YEAR], out[name]), name


def test_last_year_counts_are_differences_of_the_recorded_totals() -> None:
    model = run(small_scenario(), 4, 104)
    out = model.summary()
    rec = model.record
    d = {k: rec[104][k] - rec[52][k] for k in ("resolved", "relapsed", "abandoned",
                                               "escalated", "lumped", "closed_unresolved",
                                               "arisen")}
    ended = (d["resolved"] + d["relapsed"] + d["abandoned"] + d["escalated"] + d["lumped"]
             + d["closed_unresolved"])
    assert d["lumped"] > 0  # the lumped grievances count among the endings
    assert out["resolution_rate_last_year"] == pytest.approx(d["resolved"] / ended)
    assert out["lumped_share_last_year"] == pytest.approx(d["lumped"] / ended)
    assert out["disputes_per_1000_last_year"] == pytest.approx(
        d["arisen"] / model.n_residents * 1000)  # one year: per year = the count
    assert out["escalations_per_10k"] == pytest.approx(
        rec[104]["escalated"] / model.n_residents * 10_000 / 2)  # two years
    # State outcomes: the mean of the weekly values over the window.
    trust = [rec[w]["trust"] for w in range(1, 105)]
    assert out["trust"] == pytest.approx(np.mean(trust))
    assert out["trust_last_year"] == pytest.approx(np.mean(trust[52:]))


def test_yearly_rows_are_the_windows_of_each_year() -> None:
    model = run(small_scenario(), 5, 104)
    years = model.yearly()
    assert years.index.tolist() == [1, 2]
    assert years["first_week"].tolist() == [1, 53] and years["last_week"].tolist() == [52, 104]
    out = model.summary()
    for name in WINDOWED_NAMES:
        assert _same(float(years.loc[2, name]), out[name + LAST_YEAR]), name


def test_pool_outcomes_of_a_window_take_the_disputes_that_ended_in_it() -> None:
    model = run(small_scenario(), 6, 104)
    pool = model.disputes
    n = pool.size
    late = (pool.outcome[:n] != 0) & (pool.ended[:n] > 52)
    expected = float(np.nanmean(pool.satisfaction[:n][late]))
    assert model.summary()["satisfaction_last_year"] == pytest.approx(expected)


class _Probe(CoGovernanceModel):
    seen: ClassVar[list] = []

    def pay_for_levers(self) -> None:
        self.seen.append((self.week, self.lever["legal_services"], self.shock))
        super().pay_for_levers()


@pytest.mark.parametrize("levers", ["scenario", "status_quo"])
def test_warm_up_runs_before_week_0_with_its_levers_and_no_shocks(levers: str) -> None:
    """The warm-up's levers are the scenario's at week 0 or the status quo's (the declared
    defaults: 0.3 for legal services); from week 1 the scenario's, ramp and all."""
    in_warm_up = {"scenario": 0.1, "status_quo": Scenario().levers.rule_of_law.legal_services}
    assert in_warm_up["status_quo"] != 0.1
    scenario = small_scenario({
        "run.warmup_weeks": 30,
        "run.warmup_levers": levers,
        "levers.rule_of_law.legal_services": 0.1,
        "schedules": [{"parameter": "levers.rule_of_law.legal_services", "start_week": 0,
                       "end_week": 10, "to": 0.9}],
        "shocks": [{"kind": "legitimacy", "week": 0, "duration_weeks": 60,
                    "magnitude": 0.3}],
    })
    _Probe.seen = []
    model = _Probe(scenario, rng=1)
    assert [w for w, *_ in _Probe.seen] == list(range(-29, 1))
    assert all(v == pytest.approx(in_warm_up[levers]) for _, v, _ in _Probe.seen)
    assert all(s is NO_SHOCK for *_, s in _Probe.seen)
    # Measuring starts afresh at week 0: nothing counted, yet disputes are open.
    assert model.week == 0 and len(model.record) == 1
    assert all(v == 0 for v in model.tallies_by_week[0]), TALLY_NAMES
    assert model.record[0]["open"] > 0
    model.step()
    assert _Probe.seen[-1][0] == 1 and _Probe.seen[-1][2] is not NO_SHOCK
    assert _Probe.seen[-1][1] == pytest.approx(0.1 + 0.8 / 10)  # a tenth of the ramp


# A policy mix far from the status quo in every group of levers.
STRONG_MIX = {"levers.self_governance.councils": 0.9,
              "levers.rule_of_law.legal_services": 0.9,
              "levers.rule_of_virtue.norm_campaigns": 0.9,
              "levers.smart_governance.platform_coverage": 0.9,
              "levers.party_leadership.cell_coverage": 1.0}


def test_a_pre_policy_warm_up_leaves_the_county_as_the_status_quo_left_it() -> None:
    """After a status-quo warm-up, a county with another policy mix is, at week 0, the
    calibrated county warmed up the same way, bit for bit (its set-up too saw only the
    status quo's levers); the mix acts from week 1."""
    warm = {"run.warmup_weeks": 20}
    mix = CoGovernanceModel(small_scenario({**warm, **STRONG_MIX}), rng=8)
    status_quo = CoGovernanceModel(small_scenario(warm), rng=8)
    assert _identical(mix.record[0], status_quo.record[0])
    assert np.array_equal(mix.residents.trust, status_quo.residents.trust)
    assert np.array_equal(mix.cell_active, status_quo.cell_active)
    for model in (mix, status_quo):
        model.step()
    assert mix.cell_active.all() and not status_quo.cell_active.all()
    # With the mix's own levers in the warm-up its cells were all active before week 0.
    own = CoGovernanceModel(small_scenario({**warm, **STRONG_MIX,
                                            "run.warmup_levers": "scenario"}), rng=8)
    assert not _identical(own.record[0], status_quo.record[0])


def _identical(a: dict, b: dict) -> bool:
    """Two weekly records with the same keys and values, bit for bit (NaN equal to NaN)."""
    return a.keys() == b.keys() and all(
        a[k] == b[k] or (isinstance(a[k], float) and math.isnan(a[k]) and math.isnan(b[k]))
        for k in a)


def test_outcomes_never_count_warm_up_disputes() -> None:
    model = run(small_scenario({"run.warmup_weeks": 20}), 2, 10)
    pool = model.disputes
    n = pool.size
    assert (pool.arose[:n] <= 0).any()  # the warm-up's disputes are in the pool
    assert model.summary()["arisen"] == np.count_nonzero(pool.arose[:n] >= 1)
    ended = pool.outcome[:n] != 0
    assert model.summary()["resolved"] == np.count_nonzero(
        ended & (pool.outcome[:n] == 1) & (pool.ended[:n] >= 1))


def test_warm_up_fills_the_queues_before_week_0() -> None:
    """Direction: a warmed-up county starts the run with disputes already open."""
    cold = [CoGovernanceModel(small_scenario(), rng=s).record[0]["open"] for s in (1, 2)]
    warm = [CoGovernanceModel(small_scenario({"run.warmup_weeks": 26}), rng=s)
            .record[0]["open"] for s in (1, 2)]
    assert sum(cold) == 0 and sum(warm) > 0


def test_a_staffing_step_at_week_1_is_not_in_force_during_the_warm_up() -> None:
    """Staffing is the scenario's own during a warm-up; a staffing change written as a
    schedule that steps at week 1 holds the scenario's value before it (ODD §6): the
    warmed-up county is then bit for bit the one without the change."""
    warm = {"run.warmup_weeks": 20, "ladder.county_centre_staff_per_10000": 0.0}
    step = [{"parameter": "ladder.county_centre_staff_per_10000", "start_week": 1,
             "end_week": 1, "to": 3.0}]
    stepped = CoGovernanceModel(small_scenario(warm, schedules=step), rng=4)
    without = CoGovernanceModel(small_scenario(warm), rng=4)
    assert _identical(stepped.record[0], without.record[0])
    assert stepped.params.ladder.county_centre_staff_per_10000 == 0.0
    stepped.step()
    assert stepped.params.ladder.county_centre_staff_per_10000 == 3.0
    # Set as the scenario's own value, the staff work through the warm-up instead.
    staffed = CoGovernanceModel(small_scenario({**warm,
                                                "ladder.county_centre_staff_per_10000": 3.0}),
                                rng=4)
    assert not _identical(staffed.record[0], without.record[0])
