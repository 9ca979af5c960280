"""Shortcuts of the weekly step give the numbers of the code they stand for, bit for bit.

Each cheaper form is checked against the plain numpy call it replaces (the oracle), on
many inputs: the reference run must not move when the step gets faster.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation.agents.resident import draw_patience, logistic, logistic_of, logit
from simulation.levers import scenario_levers
from simulation.model import CoGovernanceModel
from simulation.scenario import load_scenario
from simulation.word_of_mouth import hearing
from tests.conftest import small_scenario

pytestmark = pytest.mark.timeout(120)


def test_logistic_of_one_number_is_logistic_bit_for_bit() -> None:
    """Python floats and numpy scalars, small and large, either sign."""
    xs = np.concatenate([np.random.default_rng(0).normal(0.0, 8.0, 20_000),
                         [0.0, -0.0, 1e-300, -745.0, 745.0, 36.7, -36.7]])
    with np.errstate(over="ignore"):  # e^745 is inf in both
        for x in [*xs.tolist(), *xs[:2_000]]:
            assert logistic_of(x) == float(logistic(x))
            assert np.signbit(logistic_of(x)) == np.signbit(float(logistic(x)))


def test_remembered_logit_is_the_formula() -> None:
    for p in (1e-9, 0.05, 0.3, 0.5, 0.7, 0.999, 1.0):
        q = min(max(p, 1e-6), 1 - 1e-6)
        assert logit(p) == float(np.log(q / (1 - q)))


def test_patience_is_numpys_exponential_draw_for_draw() -> None:
    """draw_patience draws what rng.exponential(mean) draws, and leaves the generator
    where it would: the draws that follow are the same too."""
    model = CoGovernanceModel(small_scenario(), rng=4)
    for parties in (np.array([3]), np.arange(0, 40, 3), np.arange(500)):
        state = model.rng.bit_generator.state
        mean = (model.params.disputes.patience_weeks
                * (0.5 + model.residents.trust[parties]))
        oracle = np.random.Generator(type(model.rng.bit_generator)())
        oracle.bit_generator.state = state
        expected = oracle.exponential(mean)
        got = draw_patience(model, parties)
        assert np.array_equal(got, expected)
        assert model.rng.random() == oracle.random()


def test_hearing_slots_are_numpys_unique_inverse() -> None:
    """Who hears of the week's endings: touched and slots as np.unique's inverse gives."""
    model = CoGovernanceModel(small_scenario(), rng=2)
    for _ in range(30):
        model.step()
    pool = model.disputes
    ended = np.flatnonzero(pool.outcome[: pool.size] != 0)
    heard = hearing(model, ended)
    assert heard is not None
    on_ladder = ended[pool.level[ended] != 0]
    who = np.concatenate([pool.party[on_ladder], pool.other[on_ladder]])
    who = who[who >= 0]
    adj = model.network.adjacency
    heard_by = np.concatenate([adj.indices[adj.indptr[r]:adj.indptr[r + 1]]
                               for r in who.tolist()])
    touched, slot = np.unique(np.concatenate([who, heard_by]), return_inverse=True)
    assert np.array_equal(heard.touched, touched)
    assert np.array_equal(heard.slot, slot)


def test_scenario_levers_are_a_new_dict_each_time() -> None:
    """Read once per scenario, handed out as copies: changing one changes no other."""
    scenario = load_scenario("default")
    first = scenario_levers(scenario)
    first["triage"] = -1.0
    assert scenario_levers(scenario)["triage"] == scenario.levers.smart_governance.triage


def test_lever_cost_follows_the_levers() -> None:
    """The week's lever cost is worked out again when a lever changes."""
    model = CoGovernanceModel(small_scenario(), rng=1)
    model.pay_for_levers()
    before = model.lever_costs_this_week
    model.lever = {**model.lever, "data_sharing": model.lever["data_sharing"] + 0.5}
    model.pay_for_levers()
    assert model.lever_costs_this_week > before


def test_party_cells_switched_by_hand_are_set_again_by_the_next_week() -> None:
    """The coverage lever decides which cells are active, every week, as before."""
    model = CoGovernanceModel(small_scenario({"levers.party_leadership.cell_coverage": 0.5}),
                              rng=3)
    as_set = model.cell_active.copy()
    model.cell_active[:] = ~model.cell_active
    model.step()
    assert np.array_equal(model.cell_active, as_set)
    assert [cell.active for cell in model.party_cells] == as_set.tolist()


def test_record_means_are_numpys_mean() -> None:
    """The weekly record's means: ndarray.mean's bits, at sizes where numpy's pairwise
    summation takes different paths (below 8, blocks of 128, long arrays)."""
    from simulation.metrics import _mean

    rng = np.random.default_rng(7)
    for n in (1, 5, 8, 127, 128, 129, 1_000, 10_000, 100_003):
        x = rng.lognormal(0.0, 2.0, n)
        assert _mean(x) == float(x.mean())


def test_theil_of_a_mask_is_theil_of_its_int_codes() -> None:
    """Income inequality by urban/rural from the mask itself: the same three numbers as
    from 0/1 integer labels, one group empty or not, some incomes zero or not."""
    from simulation.metrics_core import theil_decomposition

    rng = np.random.default_rng(1)
    for _ in range(200):
        n = int(rng.integers(1, 3_000))
        x = rng.lognormal(0.0, 1.0, n) * (rng.random(n) > 0.05)
        mask = rng.random(n) < rng.choice([0.0, 0.3, 1.0])
        assert theil_decomposition(x, mask) == theil_decomposition(x, mask.astype(np.int64))


def test_weighted_bincount_adds_as_add_at_does() -> None:
    """Word of mouth sums each resident's steps with np.bincount: the additions of
    np.add.at into zeros, in the same order (residents hearing of several endings)."""
    rng = np.random.default_rng(11)
    for _ in range(300):
        touched = int(rng.integers(1, 60))
        slot = rng.integers(0, touched, int(rng.integers(1, 400)))
        steps = rng.normal(0.0, 1.0, len(slot)) * rng.lognormal(0.0, 3.0, len(slot))
        expected = np.zeros(touched)
        np.add.at(expected, slot, steps)
        assert np.array_equal(np.bincount(slot, weights=steps, minlength=touched), expected)


def test_a_group_followed_row_by_row_counts_as_made_afresh() -> None:
    """The weekly measures' groups follow their masks by the rows that changed; the count
    inside, carried over from week to week, is the count of a group made afresh."""
    from simulation.metrics import _Group

    rng = np.random.default_rng(5)
    mask = rng.random(2_000) < 0.3
    group = _Group(mask)
    for _ in range(50):
        flip = rng.integers(0, len(mask), int(rng.integers(0, 40)))
        mask[flip] = ~mask[flip]
        group.follow(mask)
        fresh = _Group(mask)
        assert group.n_in == fresh.n_in
        assert np.array_equal(group.counts, fresh.counts)
        assert np.array_equal(group.inside, fresh.inside)
