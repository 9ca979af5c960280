"""Do the bundled comparisons depend on how a run starts? Differences from `baseline`
without a warm-up and after a pre-policy warm-up, paired by seed, and whether any
resolved ranking reverses.

    .venv/bin/python scripts/warmup_robustness.py COLD_DIR WARM_DIR

COLD_DIR and WARM_DIR are `cogov compare --out` folders of the same scenarios and seeds,
the second run with `--set run.warmup_weeks=W` (scripts/studies.sh warmup). Prints one
markdown table per outcome (mean ± half-width of the 95% interval over the seeds; the
change is paired by seed, * where its interval excludes 0), then the Spearman rank
correlation of the scenarios' differences and, of the scenario pairs whose order is
resolved (the paired interval of their difference excludes 0) under both starts, how
many reverse.
"""

from __future__ import annotations

import sys
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

OUTCOMES = {  # outcome: format of its figures
    "resolution_rate_last_year": "{:+.3f}",
    "petitions_per_10k_last_year": "{:+.1f}",
    "unresolved_exit_share_last_year": "{:+.3f}",
    "days_to_resolution_mean_last_year": "{:+.1f}",
}
REFERENCE = "baseline"


def differences(folder: str) -> pd.DataFrame:
    """Each scenario's outcomes minus the reference's, seed by seed (index scenario, seed)."""
    runs = pd.read_csv(f"{folder}/runs.csv").set_index(["scenario", "seed"])[list(OUTCOMES)]
    reference = runs.xs(REFERENCE, level="scenario")
    return runs.sub(reference, level="seed").drop(index=REFERENCE, level="scenario")


def mean_and_half_width(x: pd.Series | np.ndarray) -> tuple[float, float]:
    """Mean and the half-width of its t interval at 95%."""
    x = np.asarray(x, dtype=float)
    return float(x.mean()), float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1)
                                  / np.sqrt(len(x)))


def resolved(x: pd.Series) -> int:
    """+1 or -1 where the interval of the mean excludes 0, else 0."""
    m, h = mean_and_half_width(x)
    return int(np.sign(m)) if abs(m) > h else 0


def main(cold_dir: str, warm_dir: str) -> None:
    cold, warm = differences(cold_dir), differences(warm_dir)
    scenarios = list(cold.index.get_level_values("scenario").unique())
    for outcome, fmt in OUTCOMES.items():
        print(f"\n### `{outcome}`\n")
        print("| scenario | no warm-up | after the warm-up | change |")
        print("|---|---|---|---|")
        for name in scenarios:
            a, b = cold.loc[name][outcome], warm.loc[name][outcome]
            cells = [mean_and_half_width(a), mean_and_half_width(b),
                     mean_and_half_width(b - a)]
            text = [f"{fmt.format(m)} ± {h:.2g}" for m, h in cells]
            star = " *" if resolved(b - a) else ""
            print(f"| `{name}` | {text[0]} | {text[1]} | {text[2]}{star} |")
        means_cold = [cold.loc[n][outcome].mean() for n in scenarios]
        means_warm = [warm.loc[n][outcome].mean() for n in scenarios]
        rho = stats.spearmanr(means_cold, means_warm).statistic
        both = reversed_ = 0
        for x, y in combinations(scenarios, 2):
            order_cold = resolved(cold.loc[x][outcome] - cold.loc[y][outcome])
            order_warm = resolved(warm.loc[x][outcome] - warm.loc[y][outcome])
            if order_cold and order_warm:
                both += 1
                reversed_ += order_cold != order_warm
        moved = sum(bool(resolved(warm.loc[n][outcome] - cold.loc[n][outcome]))
                    for n in scenarios)
        print(f"\nSpearman rank correlation of the {len(scenarios)} differences: {rho:.2f}; "
              f"pairs ordered (resolved) under both starts: {both}, reversed: {reversed_}; "
              f"changes resolved: {moved} of {len(scenarios)}.")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
