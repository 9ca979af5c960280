"""scripts/factorial_did.py: the per-replication law × virtue contrast and each
governance's own effect, on made-up 2^4 factorials. Their means over replications must
equal what `cogov analyze` fits (4 b_ij and 2 b_i of the least-squares fit with
replication blocks), and a single replication's contrast is checked against a value
worked out by hand. Pooled over stores (--every-interaction), every pair's mean is the
mean of the stores' fits, its interval and p-value scipy's one-sample t, and only the
planted interactions hold after Holm."""

from __future__ import annotations

from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from experiments.analyze import Study, interaction_fits
from tests.conftest import load_script

FACTORS = ["self_governance", "rule_of_law", "rule_of_virtue", "smart_governance"]


def _load():
    return load_script("scripts/factorial_did.py")


def _runs(replications: int, seed: int = 5) -> pd.DataFrame:
    """A 2^4 factorial at levels 0.1 / 0.7 with a replication effect, main effects, every
    pairwise interaction and noise, so the fit and the contrast have something to agree
    on."""
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(replications):
        block = rng.normal(0, 0.05)
        for levels in product([0.1, 0.7], repeat=4):
            x = [1 if v > 0.4 else -1 for v in levels]
            y = (0.6 + block + 0.02 * sum(x) + 0.003 * x[0] * x[3] - 0.004 * x[1] * x[2]
                 + rng.normal(0, 0.01))
            # A second outcome with one other planted interaction (self × law, 4 × 1.5).
            z = 30 - 2 * sum(x) + 1.5 * x[0] * x[1] + rng.normal(0, 1.0)
            rows.append({"replication": r, "status": "ok", "resolution_rate": y,
                         "escalations_per_10k": z,
                         **dict(zip(FACTORS, levels, strict=True))})
    return pd.DataFrame(rows)


@pytest.mark.timeout(60)
def test_mean_contrast_equals_the_interaction_analyze_fits() -> None:
    runs = _runs(10)
    definition = {"design": "full_factorial", "replications": 10,
                  "common_random_numbers": True, "outcomes": ["resolution_rate"],
                  "factors": [{"name": f, "kind": "number", "levels": [0.1, 0.7]}
                              for f in FACTORS]}
    fitted = interaction_fits(Study(Path("made-up"), {}, definition, runs, pd.DataFrame()))
    assert fitted is not None
    inter = fitted[0].set_index(["factor_a", "factor_b"]).loc[("rule_of_law",
                                                               "rule_of_virtue")]
    contrasts = _load().replication_interactions(runs, "rule_of_law", "rule_of_virtue",
                                                 "resolution_rate")
    assert len(contrasts) == 10
    assert contrasts.mean() == pytest.approx(inter.interaction, abs=1e-12)
    # about 4 × (-0.004) from the made-up coefficient, not some other pair's +0.012
    assert contrasts.mean() == pytest.approx(-0.016, abs=0.006)
    # Each governance's own effect: analyze's effect_a and effect_b (2 b_i), about 0.04.
    for name, fitted_effect in (("rule_of_law", inter.effect_a),
                                ("rule_of_virtue", inter.effect_b)):
        effects = _load().replication_effects(runs, name, "resolution_rate")
        assert effects.mean() == pytest.approx(fitted_effect, abs=1e-12)
        assert effects.mean() == pytest.approx(0.04, abs=0.006)


def _fitted(runs: pd.DataFrame) -> pd.DataFrame:
    """`cogov analyze`'s interactions of a made-up store (both outcomes)."""
    definition = {"design": "full_factorial", "replications": int(runs.replication.nunique()),
                  "common_random_numbers": True,
                  "outcomes": ["resolution_rate", "escalations_per_10k"],
                  "factors": [{"name": f, "kind": "number", "levels": [0.1, 0.7]}
                              for f in FACTORS]}
    fitted = interaction_fits(Study(Path("made-up"), {}, definition, runs, pd.DataFrame()))
    assert fitted is not None
    return fitted[0].set_index(["outcome", "factor_a", "factor_b"])


@pytest.mark.timeout(60)
def test_every_interaction_of_one_store_is_what_analyze_fits() -> None:
    runs = _runs(10)
    table = _load().pooled_interactions([runs], FACTORS,
                                        ["resolution_rate", "escalations_per_10k"])
    fitted = _fitted(runs)
    assert len(table) == 12  # 6 pairs on each of 2 outcomes
    for row in table.itertuples():
        assert row.interaction == pytest.approx(
            fitted.loc[(row.outcome, row.factor_a, row.factor_b)].interaction, abs=1e-9)
        assert row.n == 10


@pytest.mark.timeout(60)
def test_pooled_over_two_seeds_with_holm() -> None:
    first, second = _runs(10), _runs(10, seed=6)
    outcomes = ["resolution_rate", "escalations_per_10k"]
    table = _load().pooled_interactions([first, second], FACTORS, outcomes)
    fit1, fit2 = _fitted(first), _fitted(second)
    table = table.set_index(["outcome", "factor_a", "factor_b"])
    # Ten replications in each: the pooled mean is the mean of the two stores' fits.
    for key, row in table.iterrows():
        assert row.n == 20
        assert row.interaction == pytest.approx(
            (fit1.loc[key].interaction + fit2.loc[key].interaction) / 2, abs=1e-9)
    # Interval and p-value: scipy's one-sample t on the 20 contrasts, worked out apart.
    key = ("resolution_rate", "rule_of_law", "rule_of_virtue")
    contrasts = np.concatenate([
        _load().replication_interactions(r, *key[1:], key[0]).to_numpy()
        for r in (first, second)])
    lo, hi = stats.t.interval(0.95, 19, loc=contrasts.mean(), scale=stats.sem(contrasts))
    assert (table.loc[key].ci_low, table.loc[key].ci_high) == (
        pytest.approx(lo, abs=1e-12), pytest.approx(hi, abs=1e-12))
    assert table.loc[key].p_value == pytest.approx(
        stats.ttest_1samp(contrasts, 0).pvalue, rel=1e-9)
    assert table.loc[key].verdict.startswith("substitutes")  # about -0.016 on a good-up rate
    # Holm over the 12: the smallest p is multiplied by 12, and only the three planted
    # interactions (self × smart +0.012 and law × virtue -0.016 on the rate, self × law
    # +6 on escalations) hold.
    smallest = table.p_value.idxmin()
    assert table.loc[smallest].p_holm == pytest.approx(min(1, 12 * table.p_value.min()))
    assert set(table.index[table.holds_after_correction]) == {
        ("resolution_rate", "self_governance", "smart_governance"),
        ("resolution_rate", "rule_of_law", "rule_of_virtue"),
        ("escalations_per_10k", "self_governance", "rule_of_law")}


@pytest.mark.timeout(60)
def test_pooling_refuses_a_missing_value() -> None:
    runs = _runs(2)
    runs.loc[3, "resolution_rate"] = np.nan
    with pytest.raises(ValueError, match="missing value"):
        _load().pooled_interactions([runs], FACTORS, ["resolution_rate"])


@pytest.mark.timeout(60)
def test_one_replication_by_hand() -> None:
    # Law at 0.7 and virtue at 0.7 give 4; law high alone 2; virtue high alone 3; both
    # low 0 (each cell's four runs alike): 4 - 2 - 3 + 0 = -1.
    value = {(0.7, 0.7): 4.0, (0.7, 0.1): 2.0, (0.1, 0.7): 3.0, (0.1, 0.1): 0.0}
    rows = [{"replication": 0, "rule_of_law": law, "rule_of_virtue": virtue,
             "other": o, "resolution_rate": value[(law, virtue)]}
            for law, virtue, o in product([0.1, 0.7], [0.1, 0.7], range(4))]
    out = _load().replication_interactions(pd.DataFrame(rows), "rule_of_law",
                                           "rule_of_virtue", "resolution_rate")
    assert out.to_dict() == {0: -1.0}


@pytest.mark.timeout(60)
def test_store_kind_from_its_definition() -> None:
    describe = _load().describe
    assert describe({"seed": 1, "set": {}}) == (1, "warm", "all")
    assert describe({"seed": 2, "set": {"run.warmup_weeks": 0,
                                        "effects.legal_advice_success": 0}}) == (
        2, "cold", "effects.legal_advice_success=0")
    # Another warm-up is neither start: never paired or pooled with them unawares.
    assert describe({"seed": 3, "set": {"run.warmup_weeks": 26}}) == (
        3, "warm-up 26 weeks", "all")


@pytest.mark.timeout(60)
def test_a_missing_run_leaves_no_replication_contrast() -> None:
    """A run without a value would leave its cell's mean to the other runs, and the
    contrasts would no longer average to the fitted interaction: refused, and analyze
    leaves the replication-by-replication test of that outcome empty."""
    runs = _runs(4)
    runs.loc[7, "resolution_rate"] = np.nan
    with pytest.raises(ValueError, match="no value of resolution_rate"):
        _load().replication_interactions(runs, "rule_of_law", "rule_of_virtue",
                                         "resolution_rate")
    fitted = _fitted(runs)
    assert fitted.loc["resolution_rate"].p_by_replication.isna().all()
    assert fitted.loc["escalations_per_10k"].p_by_replication.notna().all()


@pytest.mark.timeout(60)
def test_analyze_also_tests_each_interaction_replication_by_replication() -> None:
    """`cogov analyze` gives each interaction's t interval and t-test over the
    replications' own contrasts (computed here cell by cell with numpy, tested with scipy),
    and Holm's correction of those p-values over the family; without common random numbers
    replications are not paired and the columns are empty."""
    runs = _runs(6, seed=11)
    fitted = _fitted(runs)
    for (outcome, a, b), row in fitted.iterrows():
        contrasts = []
        for r in range(6):
            one = runs[runs.replication == r]
            hi_a, hi_b = one[a] > 0.4, one[b] > 0.4
            contrasts.append(one[hi_a & hi_b][outcome].mean() - one[hi_a & ~hi_b][outcome].mean()
                             - one[~hi_a & hi_b][outcome].mean()
                             + one[~hi_a & ~hi_b][outcome].mean())
        test = stats.ttest_1samp(contrasts, 0.0)
        half = stats.t.ppf(0.975, 5) * np.std(contrasts, ddof=1) / np.sqrt(6)
        assert row.p_by_replication == pytest.approx(test.pvalue, rel=1e-9)
        assert row.ci_low_by_replication == pytest.approx(np.mean(contrasts) - half, abs=1e-12)
        assert row.ci_high_by_replication == pytest.approx(np.mean(contrasts) + half, abs=1e-12)
    m = len(fitted)
    order = np.argsort(fitted.p_by_replication.to_numpy())
    smallest = fitted.p_by_replication.to_numpy()[order[0]]
    assert fitted.p_holm_by_replication.to_numpy()[order[0]] == pytest.approx(min(1, m * smallest))
    # The planted self × law on escalations (4 × 1.5 = +6, noise 1 per run) holds.
    assert fitted.loc[("escalations_per_10k", "self_governance", "rule_of_law")
                      ].holds_by_replication
    definition = {"design": "full_factorial", "replications": 6,
                  "common_random_numbers": False, "outcomes": ["resolution_rate"],
                  "factors": [{"name": f, "kind": "number", "levels": [0.1, 0.7]}
                              for f in FACTORS]}
    independent = interaction_fits(Study(Path("made-up"), {}, definition, runs,
                                         pd.DataFrame()))[0]
    assert independent.p_by_replication.isna().all()
    assert not independent.holds_by_replication.any()
