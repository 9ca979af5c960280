"""scripts/warmup_robustness.py on made-up comparisons whose answer is known: which
changes are resolved, and which resolved orders reverse between the two starts."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import load_script

SEEDS = range(12)


def _load():
    return load_script("scripts/warmup_robustness.py")


def _write(folder: Path, effects: dict[str, float]) -> None:
    """runs.csv of a comparison: every outcome = the scenario's effect over `baseline`
    plus seed noise shared by all scenarios (common random numbers) and a little of its
    own, so paired differences are tight."""
    rng = np.random.default_rng(len(folder.name))
    rows = []
    for seed in SEEDS:
        common = rng.normal(0, 1.0)
        for name, effect in {"baseline": 0.0, **effects}.items():
            value = effect + common + rng.normal(0, 0.01)
            rows.append({"scenario": name, "seed": seed,
                         "resolution_rate_last_year": value,
                         "petitions_per_10k_last_year": -value,
                         "unresolved_exit_share_last_year": value,
                         "days_to_resolution_mean_last_year": value})
    folder.mkdir()
    pd.DataFrame(rows).to_csv(folder / "runs.csv", index=False)


@pytest.mark.timeout(60)
def test_one_reversed_order_and_one_resolved_change_are_found(tmp_path: Path) -> None:
    # a and b swap places; c and d keep theirs, d's effect unchanged.
    _write(tmp_path / "cold", {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0})
    _write(tmp_path / "warmup", {"a": 2.0, "b": 1.0, "c": 3.0, "d": 4.0})
    out = io.StringIO()
    with redirect_stdout(out):
        _load().main(str(tmp_path / "cold"), str(tmp_path / "warmup"))
    text = out.getvalue()
    summaries = re.findall(r"pairs ordered \(resolved\) under both starts: (\d+), "
                           r"reversed: (\d+); changes resolved: (\d+) of (\d+)", text)
    # All 6 pairs of 4 scenarios are ordered under both starts; only (a, b) reverses;
    # a's and b's differences from baseline changed (by ±1), c's and d's did not.
    assert summaries == [("6", "1", "2", "4")] * 4
    rows = dict(re.findall(r"\| `(\w)` \| .* \| ([+-][\d.]+) ± [\d.e-]+ \*? \|", text))
    assert float(rows["a"]) == pytest.approx(1.0, abs=0.05)
    assert float(rows["b"]) == pytest.approx(-1.0, abs=0.05)
    assert re.search(r"\| `a` \| .* \*", text) and not re.search(r"\| `d` \| .* \*", text)
