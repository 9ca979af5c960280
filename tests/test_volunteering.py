"""Volunteering with a time budget and posts: hand arithmetic of the weekly chances,
nobody joins without the time or beyond the posts, burnout, and shares that settle at a
few per cent (seed-averaged).

Formulas: docs/ODD.md §3.4.4 and `simulation.agents.volunteer.update_volunteers`.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation.agents.volunteer import (
    hours_asked,
    mobilisation_lift,
    posts,
    weekly_chance,
    within_posts,
)
from simulation.model import CoGovernanceModel
from simulation.scenario import load_scenario, with_values
from simulation.volunteering import draw_spare_hours
from tests.conftest import small_scenario


def test_weekly_chances_by_hand() -> None:
    """No incentives, no credit system, no party cells: lift 1, hours asked h = 2.

    join = j × participation × (1 + peer effect × peer) × max(0, 1 − 2 / spare)
    quit = x + burnout × max(0, 1 − spare / 2)
    """
    model = CoGovernanceModel(small_scenario({
        "levers.self_governance.volunteer_incentives": 0.0,
        "levers.rule_of_virtue.credit_system": 0.0,
        "levers.party_leadership.cell_coverage": 0.0,
        "behaviour.volunteer_hours": 2.0, "behaviour.volunteer_join_rate": 0.01,
        "behaviour.volunteer_quit_rate": 0.02, "behaviour.volunteer_burnout": 0.1,
        "behaviour.volunteer_peer_effect": 2.0}), rng=1)
    res = model.residents
    rows = np.array([3, 4, 5, 6])
    res.volunteer[rows] = [False, False, True, True]
    res.participation[rows] = 0.5
    model.spare_hours[rows] = [8.0, 1.0, 8.0, 1.0]
    lift = np.ones(4)
    peer = np.array([0.25, 0.25, 0.0, 0.0])
    np.testing.assert_allclose(hours_asked(model, lift), 2.0)
    got = weekly_chance(model, rows, lift, peer)
    assert got[0] == pytest.approx(0.01 * 0.5 * 1.5 * (1 - 2 / 8))  # time to spare
    assert got[1] == 0.0  # one hour to spare, two asked: cannot join
    assert got[2] == pytest.approx(0.02)  # time enough: the base quit rate
    assert got[3] == pytest.approx(0.02 + 0.1 * (1 - 1 / 2))  # overloaded: burns out


def test_hours_asked_rise_with_mobilisation_and_incentives() -> None:
    model = CoGovernanceModel(small_scenario({
        "levers.self_governance.volunteer_incentives": 0.4,
        "behaviour.volunteer_hours": 1.0, "behaviour.volunteer_hours_pressure": 3.0}), rng=1)
    # h × (1 + π × (M + incentives)), M = lift − 1
    np.testing.assert_allclose(hours_asked(model, np.array([1.0, 1.5, 2.0])),
                               [1 + 3 * 0.4, 1 + 3 * 0.9, 1 + 3 * 1.4])


def test_spare_hours_are_exponential_around_each_groups_mean() -> None:
    model = CoGovernanceModel(small_scenario({"population.residents": 20_000}), rng=2)
    res, beh = model.residents, model.params.behaviour
    spare = draw_spare_hours(model)
    working = ~res.elderly & ~res.migrant
    for mask, mean in ((res.elderly, beh.spare_hours_elderly),
                       (res.migrant & ~res.elderly, beh.spare_hours_migrant),
                       (working & res.urban, beh.spare_hours_urban),
                       (working & ~res.urban, beh.spare_hours_rural)):
        n = int(mask.sum())
        assert abs(spare[mask].mean() - mean) < 4 * mean / np.sqrt(n)


def test_initial_volunteers_all_have_the_time() -> None:
    model = CoGovernanceModel(small_scenario(), rng=3)
    ask = hours_asked(model, mobilisation_lift(model))
    vol = model.residents.volunteer
    assert vol.any() and np.all(model.spare_hours[vol] >= ask[vol])
    assert abs(vol.mean() - 0.03) < 0.015


def test_without_spare_time_nobody_joins_and_volunteers_burn_out() -> None:
    # No deaths or migrant turnover, whose newcomers draw spare time afresh, nobody 60+
    # at the start, and no spare time for the few who turn 60 in the year (they draw a
    # retiree's).
    model = CoGovernanceModel(small_scenario({
        "population.elderly_mortality": 0.0, "population.migrant_departure_rate": 0.0,
        "population.elderly_share": 0.0, "behaviour.spare_hours_elderly": 0.0}), rng=4)
    model.spare_hours[:] = 0.0
    before = model.residents.volunteer.copy()
    for _ in range(52):
        model.step()
    now = model.residents.volunteer
    assert not np.any(now & ~before)  # nobody joined
    assert now.sum() < 0.2 * before.sum()  # quit rate + burnout (0.05) a week for a year


def _shares(updates: dict, seeds=range(3), years: int = 6) -> np.ndarray:
    """Volunteer share at the end of each year, mean over seeds (4,000 residents)."""
    out = []
    for seed in seeds:
        model = CoGovernanceModel(small_scenario({"population.residents": 4_000,
                                                  "shocks": [], **updates}), rng=seed)
        by_year = []
        for week in range(1, 52 * years + 1):
            model.step()
            if week % 52 == 0:
                by_year.append(model.residents.volunteer.mean())
        out.append(by_year)
    return np.mean(out, axis=0)


def test_asking_more_hours_lowers_volunteering() -> None:
    """Burnout and availability: the same mobilisation asking more of each volunteer
    leaves fewer volunteers (paired seeds)."""
    light = _shares({"behaviour.volunteer_hours": 0.5}, years=3)
    heavy = _shares({"behaviour.volunteer_hours": 2.0}, years=3)
    assert heavy[-1] < 0.7 * light[-1]


def test_the_default_share_stays_at_a_few_per_cent_without_drift() -> None:
    """Zhejiang's active volunteers are about 3% of residents [seed 001]: the default
    county stays between 1.5% and 5% every year of six, and its last years do not
    trend."""
    shares = _shares({})
    assert np.all((shares > 0.015) & (shares < 0.05)), shares
    assert abs(shares[-1] - shares[-3]) < 0.01, shares


def test_mobilisation_meets_the_ceiling_of_posts() -> None:
    """Fengqiao (party cells everywhere, strong incentives and councils) raises the share
    well above the default, and it levels off under the grids' posts (60 per 1,000
    residents) instead of rising year after year as residents age and retire onto a
    retiree's spare time (it reached 40% before volunteering needed time, and rose 0.7
    points a year in years 5-6 before it needed a post)."""
    shares = _fengqiao_shares()
    assert np.all(shares <= 0.06), shares
    assert shares[-1] > 1.5 * 0.03, shares  # well above the 3% the county starts from
    assert abs(shares[-1] - shares[-3]) < 0.01, shares


def test_joiners_beyond_a_grids_posts_are_turned_away() -> None:
    """Posts = ⌊40 × 250 / 1,000⌋ = 10 a grid: with 8 held in grid 0, two of its five
    joiners are taken; grid 1, with none held, takes all three of its joiners."""
    model = CoGovernanceModel(small_scenario({"behaviour.volunteer_posts_per_1000": 40.0}),
                              rng=5)
    res = model.residents
    assert np.all(posts(model) == 10)
    res.volunteer[:] = False
    grid0, grid1 = np.flatnonzero(res.grid == 0), np.flatnonzero(res.grid == 1)
    res.volunteer[grid0[:8]] = True
    joining = np.concatenate([grid0[10:15], grid1[:3]])
    taken = within_posts(model, joining)
    assert np.isin(taken, joining).all() and np.all(np.diff(taken) > 0)
    assert np.count_nonzero(res.grid[taken] == 0) == 2
    assert np.array_equal(taken[res.grid[taken] == 1], grid1[:3])
    res.volunteer[grid0[:10]] = True
    assert len(within_posts(model, grid0[10:15])) == 0  # full: nobody is taken


def test_no_grid_holds_more_volunteers_than_its_posts() -> None:
    """Everyone with time to spare and eager to join: every grid fills its posts and no
    more, week after week, as residents age, die and move."""
    model = CoGovernanceModel(small_scenario({
        "behaviour.volunteer_posts_per_1000": 40.0, "behaviour.volunteer_join_rate": 0.5,
        "behaviour.spare_hours_elderly": 80.0, "behaviour.spare_hours_urban": 80.0,
        "behaviour.spare_hours_rural": 80.0, "behaviour.spare_hours_migrant": 80.0}), rng=6)
    res, cap = model.residents, posts(model)
    for _ in range(30):
        model.step()
        held = np.bincount(res.grid[res.volunteer], minlength=len(cap))
        assert np.all(held <= cap)
    assert held.sum() >= 0.9 * cap.sum()


def _fengqiao_shares() -> np.ndarray:
    out = []
    for seed in range(2):
        scenario = with_values(load_scenario("fengqiao"), {"population.residents": 4_000,
                                                           "shocks": []})
        model = CoGovernanceModel(scenario, rng=seed)
        by_year = []
        for week in range(1, 52 * 6 + 1):
            model.step()
            if week % 52 == 0:
                by_year.append(model.residents.volunteer.mean())
        out.append(by_year)
    return np.mean(out, axis=0)
