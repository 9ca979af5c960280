"""Does a year under the status quo change what one channel adds to an interaction of the
four-governance factorial? A paired difference-in-differences over replications.

    .venv/bin/python scripts/factorial_did.py STORE [STORE ...]

Each STORE is a `cogov sweep experiments/four_governances_factorial.yaml` store, after the
warm-up or from the cold start (`--set run.warmup_weeks=0`), with every channel or with
one switched off (`--set PATH=VALUE`), at the file's seed or another (`--seed N`); the
script reads which from the store's definition. For example (docs/sensitivity.md §1):

    for seed in 20240401 20240411 20240421; do
      for cold in "" "--set run.warmup_weeks=0"; do
        for off in "" "--set effects.legal_advice_success=0" "--set disputes.relapse_base=0"; do
          cogov sweep experiments/four_governances_factorial.yaml --seed $seed $cold $off \\
              --store "results/did/$seed${cold:+-cold}${off:+-${off##*.}}.duckdb" --no-progress
        done; done; done
    .venv/bin/python scripts/factorial_did.py results/did/*.duckdb

Replication r of experiment seed s runs under the same seed in every store (common random
numbers: the seed depends only on s and r, experiments/design.py), so (s, r) pairs the
stores. For each replication the law × virtue interaction on the resolution rate is the
contrast of its 16 runs y(++) - y(+-) - y(-+) + y(--), each term the mean of the 4 runs
with the two governances at those levels; over the replications its mean is the
interaction `cogov analyze` fits (4 b_ij, tests/test_factorial_did.py). A channel's part
is the interaction with every channel minus that without the channel, and the
difference-in-differences is its part after the warm-up minus its part from the cold
start, replication by replication. Printed: the mean over replications of each, with its
95% t interval; then the same for each of the two governances' own effects (mean of the
runs with it high minus with it low, per replication).

With --every-interaction the stores must be of one start and one set of channels (the
same design under different experiment seeds), and the script prints every pairwise
interaction on every outcome of the experiment file, pooled over the replications of all
the stores: the mean contrast, its 95% t interval, the one-sample t-test's p-value (p <
0.05 exactly when the interval excludes 0), Holm's adjusted p over the whole family (6
pairs x 11 outcomes = 66) and whether it holds after the correction:

    .venv/bin/python scripts/factorial_did.py --every-interaction results/pooled/*_warm_*.duckdb
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

# Run as a file from the checkout: the repository's root holds the `experiments` package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from experiments.analyze import replication_interactions, verdict
from experiments.stats import holm, t_test_p
from experiments.store import read_store

WARMUP = "run.warmup_weeks"


def replication_effects(runs: pd.DataFrame, f: str, outcome: str) -> pd.Series:
    """Factor f's own effect on `outcome` in each replication: the mean of its runs with f
    high minus the mean with f low (over the replications, analyze's `effect_a`)."""
    high = runs[f] == runs[f].max()
    means = runs.assign(high=high).groupby(["replication", "high"])[outcome].mean().unstack()
    return means[True] - means[False]


def describe(definition: dict) -> tuple[int, str, str]:
    """(experiment seed, start, channels) of a store, from its definition's `set`: the
    start is "cold" (no warm-up), "warm" (the scenario's own) or the warm-up's length."""
    overrides = dict(definition.get("set") or {})
    weeks = overrides.pop(WARMUP, None)
    start = "cold" if weeks == 0 else "warm" if weeks is None else f"warm-up {weeks} weeks"
    channels = ", ".join(f"{k}={v}" for k, v in sorted(overrides.items())) or "all"
    return int(definition["seed"]), start, channels


def read_stores(paths: list[str]) -> list[tuple[str, dict, pd.DataFrame]]:
    """(path, definition, runs with status 'ok') of each store.

    Raises:
        SystemExit: two stores of the same kind, a store that is not complete, or stores
            of one experiment seed whose replications do not share their run seeds.
    """
    out, seen, run_seeds = [], set(), {}
    for path in paths:
        experiment, runs, _ = read_store(path)
        definition = experiment["definition"]
        seed, start, channels = describe(definition)
        if (seed, start, channels) in seen:
            sys.exit(f"{path}: a second store of seed {seed}, {start}, {channels}")
        seen.add((seed, start, channels))
        ok = runs[runs.status == "ok"]
        if len(ok) != int(experiment["n_runs"]):
            sys.exit(f"{path}: {len(ok)} of {experiment['n_runs']} runs are ok; finish the "
                     "sweep first")
        # Pairing by replication is only sound if replication r ran under one seed in
        # every store of this experiment seed (common random numbers).
        by_rep = ok.groupby("replication")["seed"].unique()
        for r, s in by_rep.items():
            if len(s) != 1 or run_seeds.setdefault((seed, r), s[0]) != s[0]:
                sys.exit(f"{path}: replication {r} does not share its run seed with the "
                         "other design points or stores")
        out.append((path, definition, ok))
    return out


def pooled_interactions(stores: list[pd.DataFrame], factors: list[str],
                        outcomes: list[str]) -> pd.DataFrame:
    """Every pairwise interaction of a two-level factorial on every outcome, pooled over
    the replications of several stores of the same design (other experiment seeds).

    Args:
        stores: each store's ok runs, with the factors' levels, `replication` and the
            outcomes as columns. Replications of different stores are independent draws
            (different experiment seeds), so their contrasts are simply put together.
        factors: the factors, in the order the pairs are formed (a before b).
        outcomes: the outcomes, in the order of the rows.

    Returns:
        One row per (outcome, a, b): interaction (the mean over every replication of
        y(++) - y(+-) - y(-+) + y(--); for one store `cogov analyze`'s fitted
        interaction), ci_low and ci_high (95% t interval over the replications), p_value
        (the one-sample t-test consistent with that interval), n (replications), p_holm
        (Holm over all the rows), holds_after_correction (p_holm < 0.05) and verdict
        (analyze's reading of the interval).

    Raises:
        ValueError: an outcome has a missing value (a replication's contrast would then
            not be the one analyze fits on the finite runs), or a replication lacks a cell.
    """
    pairs = [(a, b) for i, a in enumerate(factors) for b in factors[i + 1:]]
    rows = []
    for outcome in outcomes:
        for runs in stores:
            if not np.isfinite(runs[outcome].to_numpy(float)).all():
                raise ValueError(f"{outcome} has a missing value in some run")
        for a, b in pairs:
            contrasts = pd.concat([replication_interactions(runs, a, b, outcome)
                                   for runs in stores], ignore_index=True)
            m, lo, hi, n = mean_interval(contrasts)
            rows.append({"outcome": outcome, "factor_a": a, "factor_b": b,
                         "interaction": m, "ci_low": lo, "ci_high": hi,
                         "p_value": t_test_p(contrasts), "n": n,
                         "verdict": verdict(outcome, m, lo, hi)})
    table = pd.DataFrame(rows)
    table["p_holm"] = holm(table.p_value.to_numpy(float))
    table["holds_after_correction"] = table.p_holm < 0.05
    return table


def load_pooled(paths: list[str]) -> tuple[pd.DataFrame, str, list[int]]:
    """(pooled_interactions of the stores, their start and channels, their seeds).

    Raises:
        SystemExit: stores of different starts, channels, factors or outcomes.
    """
    stores = read_stores(paths)
    kinds = {describe(d)[1:] for _, d, _ in stores}
    if len(kinds) != 1:
        sys.exit(f"--every-interaction pools stores of one start and one set of channels, "
                 f"not {sorted(kinds)}")
    first = stores[0][1]
    factors = [f["name"] for f in first["factors"]]
    outcomes = list(first["outcomes"])
    for path, d, _ in stores:
        if [f["name"] for f in d["factors"]] != factors or list(d["outcomes"]) != outcomes:
            sys.exit(f"{path}: other factors or outcomes than {stores[0][0]}")
    start, channels = kinds.pop()
    table = pooled_interactions([ok for _, _, ok in stores], factors, outcomes)
    return table, f"{start}, channels: {channels}", sorted(describe(d)[0] for _, d, _ in stores)


def print_pooled(table: pd.DataFrame, kind: str, seeds: list[int]) -> None:
    """The pooled interactions as a Markdown table, those that hold after Holm first."""
    n = int(table.n.min())
    print(f"\nEvery pairwise interaction, {kind}; seeds {', '.join(map(str, seeds))}; "
          f"{n} replications; {int((table.p_value < 0.05).sum())} of {len(table)} clear "
          f"at 95%, {int(table.holds_after_correction.sum())} hold after Holm's "
          f"correction\n")
    print("| outcome | pair | interaction [95% t interval] | p | p (Holm) | holds | reading |")
    print("|---|---|---|---|---|---|---|")
    shown = table.sort_values(["holds_after_correction", "p_value"], ascending=[False, True])
    for r in shown.itertuples():
        print(f"| {r.outcome} | {r.factor_a} × {r.factor_b} | {r.interaction:+.5g} "
              f"[{r.ci_low:+.5g}, {r.ci_high:+.5g}] | {r.p_value:.2g} | {r.p_holm:.2g} | "
              f"{'yes' if r.holds_after_correction else 'no'} | {r.verdict} |")


def load(paths: list[str], a: str, b: str, outcome: str) -> pd.DataFrame:
    """One row per (store, replication): seed, replication, start, channels, and the
    replication's a × b interaction and a's and b's own effects (columns
    "interaction", a, b).

    Raises:
        SystemExit: two stores of the same kind, a store that is not complete, or stores
            of one experiment seed whose replications do not share their run seeds.
    """
    frames = []
    for _, definition, ok in read_stores(paths):
        seed, start, channels = describe(definition)
        inter = replication_interactions(ok, a, b, outcome)
        frames.append(pd.DataFrame({"seed": seed, "replication": inter.index,
                                    "start": start, "channels": channels,
                                    "interaction": inter.to_numpy(),
                                    a: replication_effects(ok, a, outcome).loc[inter.index],
                                    b: replication_effects(ok, b, outcome).loc[inter.index]}))
    return pd.concat(frames, ignore_index=True)


def mean_interval(x: pd.Series | np.ndarray) -> tuple[float, float, float, int]:
    """Mean, the ends of its 95% t interval, and the number of values."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    half = stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
    m = float(x.mean())
    return m, m - half, m + half, n


def _fmt(x: pd.Series | np.ndarray) -> str:
    m, lo, hi, n = mean_interval(x)
    return f"{m:+.4f} [{lo:+.4f}, {hi:+.4f}] (n={n})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("stores", nargs="+")
    parser.add_argument("--a", default="rule_of_law")
    parser.add_argument("--b", default="rule_of_virtue")
    parser.add_argument("--outcome", default="resolution_rate")
    parser.add_argument("--every-interaction", action="store_true",
                        help="every pair on every outcome, pooled over the stores (of one "
                             "start and one set of channels), with Holm's correction")
    args = parser.parse_args(argv)
    if args.every_interaction:
        print_pooled(*load_pooled(args.stores))
        return
    rows = load(args.stores, args.a, args.b, args.outcome)
    for measure, title in (("interaction", f"{args.a} × {args.b}"),
                           (args.a, f"{args.a}'s own effect"),
                           (args.b, f"{args.b}'s own effect")):
        print_tables(rows, measure, f"{title} on {args.outcome}")


def print_tables(rows: pd.DataFrame, measure: str, title: str) -> None:
    """The measure per store kind, then each channel's part in it and the part's
    difference-in-differences, as Markdown tables."""
    wide = rows.pivot_table(index=["seed", "replication"], columns=["start", "channels"],
                            values=measure)
    print(f"\n{title}: mean over replications [95% t interval]\n")
    print("| start | channels | mean |")
    print("|---|---|---|")
    for start, channels in sorted(wide.columns, key=lambda c: (c[0] != "warm", c[1] != "all",
                                                             c[1])):
        print(f"| {start} | {channels} | {_fmt(wide[(start, channels)].dropna())} |")
    knockouts = sorted({c for _, c in wide.columns} - {"all"})
    if not knockouts:
        return
    print("\nA channel's part in it (every channel minus without it) and the difference-in-"
          "differences (part after the warm-up minus part from the cold start), paired by "
          "replication:\n")
    print("| channel off | part after the warm-up | part from the cold start | "
          "difference-in-differences |")
    print("|---|---|---|---|")
    for off in knockouts:
        parts = {}
        for start in ("warm", "cold"):
            if (start, "all") in wide and (start, off) in wide:
                parts[start] = (wide[(start, "all")] - wide[(start, off)]).dropna()
        cells = [_fmt(parts[s]) if s in parts else "–" for s in ("warm", "cold")]
        did = (parts["warm"] - parts["cold"]).dropna() if len(parts) == 2 else None
        print(f"| {off} | {cells[0]} | {cells[1]} | "
              f"{_fmt(did) if did is not None and len(did) else '–'} |")

if __name__ == "__main__":
    main()
