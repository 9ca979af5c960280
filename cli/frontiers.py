"""`cogov frontiers`: each mix's outcomes against its lever spending over a range, its
non-lead levers at the baseline, staff and volunteer time costed (experiments.frontiers)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.common import EXIT_INPUT, EXIT_INTERRUPTED, add_study_options, output_folder


def add_parser(sub: argparse._SubParsersAction) -> None:
    from experiments.frontiers import DEFAULT_LEVELS, DEFAULT_MIXES, DEFAULT_OUTCOMES

    p = sub.add_parser("frontiers", help="cost-outcome frontiers: each mix against its "
                       "lever spending over a range")
    p.add_argument("--mixes", default=",".join(DEFAULT_MIXES),
                   help="scenarios, comma-separated (default: the bundled mixes)")
    p.add_argument("--levels", default=",".join(f"{x:g}" for x in DEFAULT_LEVELS),
                   help="lever spending levels, yuan per resident-year (default "
                   + ", ".join(f"{x:g}" for x in DEFAULT_LEVELS) + "; the baseline spends "
                   "24.7)")
    p.add_argument("--outcomes", default=",".join(DEFAULT_OUTCOMES),
                   help="outcomes, comma-separated")
    p.add_argument("--reps", type=int, default=5, help="seeds per mix and level (default 5)")
    add_study_options(p, "frontiers", "the table, chart and HTML")
    p.set_defaults(func=cmd_frontiers)


def _names(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def cmd_frontiers(args: argparse.Namespace) -> int:
    from experiments.frontiers import (
        best_by_level,
        frontier_chart,
        frontier_experiment,
        frontier_table,
        html_section,
    )
    from experiments.pool import BackendError
    from experiments.store import StoreError, read_store
    from experiments.sweep import run_sweep, summary_lines
    from simulation.metrics import OUTCOME_NAMES
    from simulation.scenario import Problem, ScenarioError
    from simulation.scenario.errors import nearest_name

    outcomes = _names(args.outcomes)
    bad = [o for o in outcomes if o not in OUTCOME_NAMES]
    if bad:
        raise ScenarioError([Problem(f"unknown outcome {o!r}", value=o,
                                     suggestion=nearest_name(o, OUTCOME_NAMES))
                             for o in bad])
    try:
        levels = sorted({float(x) for x in _names(args.levels)})
    except ValueError:
        print(f"error: --levels takes numbers, got {args.levels!r}", file=sys.stderr)
        return EXIT_INPUT
    mixes = _names(args.mixes)
    if not mixes or not levels or not outcomes:
        print("error: frontiers need a mix, a level and an outcome", file=sys.stderr)
        return EXIT_INPUT
    overrides = {"population.residents": args.residents} if args.residents else {}
    exp, reached = frontier_experiment(mixes, levels, replications=args.reps,
                                       steps=args.steps, outcomes=tuple(outcomes),
                                       seed=args.seed, overrides=overrides)
    store = Path(args.store) if args.store else Path("results") / "frontiers.duckdb"
    folder = output_folder(args, store.with_name(store.name.removesuffix(".duckdb")
                                                 + "_report"), "frontiers")
    if not args.no_progress:
        print(f"frontiers: {len(mixes)} mixes x {len(levels)} levels x {args.reps} seed(s) "
              f"= {exp.n_runs:,} runs -> {store}", file=sys.stderr)
    try:
        report = run_sweep(exp, store, workers=args.workers, scheduler=args.scheduler,
                           progress=not args.no_progress)
    except (StoreError, BackendError) as exc:
        folder.discard()
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BaseException:
        folder.discard()
        raise
    for line in summary_lines(report):
        if not line.startswith("Next:"):
            print(line, file=sys.stderr)
    if report.interrupted:
        folder.discard()
        return EXIT_INTERRUPTED
    _, runs, _ = read_store(store)
    table = frontier_table(runs, outcomes, exp.bases, reached)
    best = best_by_level(table, outcomes)
    unreachable = [f"{m} at {lv:g} (reaches {got:.1f})" for (m, lv), got in reached.items()
                   if abs(got - lv) >= 0.01]
    with folder.writing():
        staging = folder.staging
        table.to_csv(staging / "frontiers.csv", index=False)
        best.to_csv(staging / "frontiers_best.csv", index=False)
        frontier_chart(table, outcomes, staging / "frontiers.png")
        (staging / "frontiers.html").write_text(
            "<!doctype html><html><head><meta charset='utf-8'><title>Frontiers</title>"
            "</head><body>\n" + html_section(table, best, "frontiers.png", unreachable)
            + "\n</body></html>\n", encoding="utf-8")
        folder.written += ["frontiers.csv", "frontiers_best.csv", "frontiers.png",
                           "frontiers.html"]
    print(f"Frontiers: mean over {args.reps} seed(s); non-lead levers at the baseline")
    for o in outcomes:
        print(f"\n{o}")
        print(f"  {'mix':<22}" + "".join(f"{lv:>10g}" for lv in levels) + "   (yuan)")
        for m in mixes:
            cells = []
            for lv in levels:
                row = table[(table["mix"] == m) & (table["lever_spending"] == lv)]
                ok = not row.empty and bool(row["reachable"].iloc[0])
                cells.append(f"{row[o].iloc[0]:>10.4g}" if ok else f"{'—':>10}")
            print(f"  {m[:22]:<22}" + "".join(cells))
    if unreachable:
        print("\nnot reachable: " + "; ".join(unreachable))
    print(f"\nreport: {folder.final / 'frontiers.html'}")
    return 1 if report.failed else 0
