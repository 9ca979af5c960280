"""The weekly record's and the feedback's shortcuts give what the plain computations give,
bit for bit: groups followed row by row, sums by group from a compiled loop, the towns'
weighted means, the DataCollector's
columns filled without its deep copies, word of mouth worked out once a week; and the
throughput benchmark's per-phase timing covers the whole step."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from simulation import metrics, places
from simulation.disputes import Level
from simulation.model import CoGovernanceModel
from simulation.word_of_mouth import hearing
from tests.conftest import load_script, small_scenario


@pytest.mark.timeout(30)
def test_a_followed_group_equals_one_made_afresh() -> None:
    rng = np.random.default_rng(3)
    mask = rng.random(1000) < 0.4
    group = metrics._group(mask)
    for _ in range(5):  # a few rows change each time, as ageing and migration make them
        flip = rng.choice(mask.size, size=rng.integers(0, 30), replace=False)
        mask[flip] = ~mask[flip]
        followed = metrics._group(mask)
        fresh = metrics._Group(mask)
        assert followed is group  # the same entry, brought in step
        for name in ("mask", "inside", "outside", "codes", "counts"):
            a, b = getattr(followed, name), getattr(fresh, name)
            assert a.dtype == b.dtype and np.array_equal(a, b), name
        assert followed.n_in == fresh.n_in == int(np.count_nonzero(mask))
        assert np.array_equal(followed.counts, np.bincount(mask.astype(np.intp), minlength=2))


@pytest.mark.timeout(30)
def test_sums_by_group_are_np_bincount_bit_for_bit() -> None:
    """Sorted and shuffled codes, empty groups, zeros and magnitudes far apart (where the
    order of the additions shows in the last bits): every sum has np.bincount's bits."""
    rng = np.random.default_rng(5)
    for trial in range(60):
        n = int(rng.integers(0, 3000))
        groups = int(rng.integers(1, 6))
        codes = rng.integers(0, groups, n)  # the last group may stay empty
        if trial % 3 == 0:
            codes = np.sort(codes)  # residents listed town by town
        values = rng.random(n) * 10.0 ** rng.integers(-3, 9, n)
        values[rng.random(n) < 0.2] = 0.0
        expected = np.bincount(codes, weights=values, minlength=groups + 1)
        got = metrics.group_sums(codes, values, groups + 1)
        assert got.dtype == np.float64 and got.tobytes() == expected.tobytes(), trial


def test_sums_by_group_refuse_codes_outside_the_groups() -> None:
    """The compiled loop writes where the codes say: a code outside 0 .. groups − 1, or
    values of another length, is refused rather than written past the sums."""
    values = np.ones(4)
    for codes in (np.array([0, 1, 2, 0]), np.array([0, 0, 0, 2]), np.array([-1, 0, 0, 0])):
        with pytest.raises(IndexError):
            metrics.group_sums(codes, values, 2)
    with pytest.raises(ValueError, match="3 values for 4 group codes"):
        metrics.group_sums(np.zeros(4, dtype=np.intp), np.ones(3), 2)


@pytest.mark.timeout(30)
def test_a_followed_groups_sums_follow_its_rows() -> None:
    rng = np.random.default_rng(4)
    mask = rng.random(2000) < 0.3
    values = rng.random(2000) * 1e4
    group = metrics._group(mask)
    for _ in range(4):
        flip = rng.choice(mask.size, size=20, replace=False)
        mask[flip] = ~mask[flip]
        got = metrics._group(mask).sums(values)
        expected = np.bincount(mask.astype(np.intp), weights=values, minlength=2)
        assert metrics._group(mask) is group and got.tobytes() == expected.tobytes()


@pytest.mark.timeout(30)
def test_the_towns_weighted_mean_is_np_average_bit_for_bit() -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        values = rng.random(int(rng.integers(2, 40))) * 1e5
        for weights in (rng.integers(1, 5000, size=values.size),
                        rng.random(values.size) * 300 + 1e-3):
            assert places._weighted_mean(values, weights) == np.average(values,
                                                                        weights=weights)


@pytest.mark.timeout(120)
def test_the_record_is_what_the_datacollector_collects() -> None:
    """Each week's columns hold the week's snapshot, as Mesa's own collect would store it,
    and the collection steps follow the weeks."""
    model = CoGovernanceModel(small_scenario(), rng=2)
    for _ in range(6):
        model.step()
    columns = model.datacollector.model_vars
    assert all(len(values) == 7 for values in columns.values())  # week 0 and six more
    assert model.datacollector._collection_steps == [float(w) for w in range(7)]
    mesa.DataCollector.collect(model.datacollector, model)  # Mesa's way, once more
    for name, values in columns.items():
        assert values[-1] == values[-2] or (np.isnan(values[-1]) and np.isnan(values[-2]))
        assert values[-1] == model._snapshot[name] or np.isnan(values[-1])


def _hearing_by_hand(model: CoGovernanceModel, ended: list[int]
                     ) -> tuple[list[int], list[float], list[float]]:
    """Who hears of each ending on the ladder, party by party: (resident, q, weight) per
    entry, parties first (first parties, then second parties), then their neighbours."""
    pool, adj = model.disputes, model.network.adjacency
    w = model.params.behaviour.vicarious_weight
    ladder = [c for c in ended if pool.level[c] != Level.L0]
    parties = [(int(pool.party[c]), float(pool.satisfaction[c])) for c in ladder]
    parties += [(int(pool.other[c]), float(pool.satisfaction[c])) for c in ladder]
    parties = [(r, q) for r, q in parties if r >= 0]
    who = [r for r, _ in parties] + [int(j) for r, _ in parties
                                     for j in adj.indices[adj.indptr[r]:adj.indptr[r + 1]]]
    q = [q for _, q in parties] + [q for r, q in parties
                                   for _ in range(adj.indptr[r + 1] - adj.indptr[r])]
    weight = [1.0] * len(parties) + [w] * (len(who) - len(parties))
    return who, q, weight


@pytest.mark.timeout(120)
def test_word_of_mouth_reaches_the_parties_and_their_neighbours() -> None:
    model = CoGovernanceModel(small_scenario(), rng=4)
    checked = 0
    for _ in range(30):
        model.step()
        ended = list(model.ladder.ended_this_week)
        heard = hearing(model, np.asarray(ended, dtype=np.int64))
        who, q, weight = _hearing_by_hand(model, ended)
        if not who:
            assert heard is None
            continue
        assert heard is not None
        assert np.array_equal(heard.touched[heard.slot], who)
        assert np.array_equal(heard.touched, np.unique(who))
        assert np.array_equal(heard.quality, q)
        assert np.array_equal(heard.weight, weight)
        checked += 1
    assert checked > 10


@pytest.mark.timeout(120)
def test_the_benchmark_times_every_phase_of_the_step() -> None:
    bench = load_script("benchmarks/throughput.py")
    step_phases = [line.split("self.")[1].split("(")[0].strip()
                   for line in _step_source().splitlines() if line.strip().startswith("self.")
                   and line.strip().endswith("()") and "running" not in line]
    assert list(bench.PHASES) == step_phases  # every phase, in the step's order
    phases = bench.time_phases(lambda name: small_scenario(), CoGovernanceModel, 4, seed=1)
    assert set(phases) == {*bench.PHASES, "total"}
    assert all(v >= 0 for v in phases.values())
    assert sum(v for k, v in phases.items() if k != "total") <= phases["total"]


def _step_source() -> str:
    import inspect

    return inspect.getsource(CoGovernanceModel.step)
