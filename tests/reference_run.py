"""The reference run: a small table of every outcome that pins the model's behaviour.

A few bundled scenarios × 2 seeds on a county of 2,000 residents over 104 weeks; every
outcome of `summary()` and a fingerprint of the whole weekly record. `tests/
test_reference_run.py` checks that the model still produces it bit for bit, so a refactor
cannot change results by accident. A change that is meant to move results regenerates it
and says why in its commit message:

    .venv/bin/python -m tests.reference_run --write
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np

from simulation.model import CoGovernanceModel
from simulation.scenario.loader import load_scenario, with_values

PATH = Path(__file__).resolve().parent / "data" / "reference_run.json"
SCENARIOS = ("default", "baseline", "fengqiao", "smart_governance", "reform_party_cells",
             "equal_cost_three_governances")
SEEDS = (1, 2)
RESIDENTS = 2_000
WEEKS = 104


def series_fingerprint(model: CoGovernanceModel) -> str:
    """sha256 of the weekly record: column names and every value's bytes."""
    frame = model.dataframe()
    digest = hashlib.sha256(",".join(frame.columns).encode())
    digest.update(np.ascontiguousarray(frame.to_numpy(dtype=np.float64)).tobytes())
    return digest.hexdigest()


def compute() -> dict[str, dict[str, object]]:
    """Run every reference scenario and seed; {"scenario/seed": {outcome: value}}."""
    table: dict[str, dict[str, object]] = {}
    for name in SCENARIOS:
        scenario = with_values(load_scenario(name), {"population.residents": RESIDENTS})
        for seed in SEEDS:
            model = CoGovernanceModel(scenario, rng=seed)
            for _ in range(WEEKS):
                model.step()
            row: dict[str, object] = {k: float(v) for k, v in model.summary().items()}
            row["series_sha256"] = series_fingerprint(model)
            table[f"{name}/{seed}"] = row
    return table


def differences(stored: dict, fresh: dict) -> list[str]:
    """Every run and outcome whose value is not bit-identical (NaN equals NaN)."""
    out: list[str] = []
    for key in sorted(set(stored) | set(fresh)):
        if key not in stored or key not in fresh:
            why = "missing from the stored table" if key not in stored else "no longer run"
            out.append(f"{key}: {why}")
            continue
        a, b = stored[key], fresh[key]
        for name in sorted(set(a) | set(b)):
            x, y = a.get(name), b.get(name)
            same = x == y or (isinstance(x, float) and isinstance(y, float)
                              and math.isnan(x) and math.isnan(y))
            if not same:
                out.append(f"{key} {name}: stored {x!r}, now {y!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true",
                        help="replace tests/data/reference_run.json with this run")
    args = parser.parse_args(argv)
    fresh = compute()
    if args.write:
        PATH.write_text(json.dumps(fresh, indent=1, sort_keys=True) + "\n")
        print(f"wrote {PATH}")
        return 0
    diff = differences(json.loads(PATH.read_text()), fresh)
    print("\n".join(diff) if diff else "reference run unchanged")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
