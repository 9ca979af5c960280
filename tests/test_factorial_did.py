"""scripts/factorial_did.py: the per-replication law × virtue contrast and each
governance's own effect, on made-up 2^4 factorials. Their means over replications must
equal what `cogov analyze` fits (4 b_ij and 2 b_i of the least-squares fit with
replication blocks), and a single replication's contrast is checked against a value
worked out by hand."""

from __future__ import annotations

import importlib.util
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.analyze import Study, interaction_fits

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "factorial_did.py"
FACTORS = ["self_governance", "rule_of_law", "rule_of_virtue", "smart_governance"]


def _load():
    spec = importlib.util.spec_from_file_location("factorial_did", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def _runs(replications: int) -> pd.DataFrame:
    """A 2^4 factorial at levels 0.1 / 0.7 with a replication effect, main effects, every
    pairwise interaction and noise, so the fit and the contrast have something to agree
    on."""
    rng = np.random.default_rng(5)
    rows = []
    for r in range(replications):
        block = rng.normal(0, 0.05)
        for levels in product([0.1, 0.7], repeat=4):
            x = [1 if v > 0.4 else -1 for v in levels]
            y = (0.6 + block + 0.02 * sum(x) + 0.003 * x[0] * x[3] - 0.004 * x[1] * x[2]
                 + rng.normal(0, 0.01))
            rows.append({"replication": r, "status": "ok", "resolution_rate": y,
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
