"""`cogov robustness`: how often each mix ranks first when the uncertain assumptions
range over their plausible values (experiments.robustness)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.common import EXIT_INPUT, EXIT_INTERRUPTED, add_study_options, output_folder


def add_parser(sub: argparse._SubParsersAction) -> None:
    from experiments.robustness import DEFAULT_MIXES, DEFAULT_OUTCOMES

    p = sub.add_parser("robustness", help="P(each mix ranks first) over the uncertain "
                       "assumptions, and what flips the ranking")
    p.add_argument("--mixes", default=",".join(DEFAULT_MIXES),
                   help="scenarios to rank, comma-separated (default: the bundled "
                   "equal-cost mixes)")
    p.add_argument("--outcomes", default=",".join(DEFAULT_OUTCOMES),
                   help="outcomes to rank on, comma-separated (default: "
                   + ", ".join(DEFAULT_OUTCOMES) + ")")
    p.add_argument("--assumptions", default=None,
                   help="vary only these assumptions (paths or path prefixes such as "
                   "budget.lever_costs, comma-separated; default: every parameter with a "
                   "plausible range)")
    p.add_argument("--samples", type=int, default=32,
                   help="Latin hypercube samples of the assumptions (default 32)")
    p.add_argument("--reps", type=int, default=2, help="seeds per sample and mix (default 2)")
    add_study_options(p, "robustness", "the tables, chart and HTML")
    p.add_argument("--list", action="store_true",
                   help="list the uncertain assumptions and their ranges, and stop")
    p.set_defaults(func=cmd_robustness)


def _names(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


def cmd_robustness(args: argparse.Namespace) -> int:
    from experiments.pool import BackendError
    from experiments.robustness import (
        choose_assumptions,
        print_study,
        read_study,
        robustness_experiment,
        write_outputs,
    )
    from experiments.store import StoreError
    from experiments.sweep import run_sweep, summary_lines
    from simulation.metrics import OUTCOME_NAMES
    from simulation.scenario import Problem, ScenarioError
    from simulation.scenario.errors import nearest_name

    try:
        assumptions = choose_assumptions(_names(args.assumptions))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if args.list:
        for p in assumptions:
            lo, hi = p.plausible or (0, 0)
            how = "declared" if p.plausible_declared else "by rule"
            print(f"{p.path:<48} {p.default!s:>10}  [{lo:g}, {hi:g}]  {how}")
        return 0
    outcomes = tuple(_names(args.outcomes))
    bad = [o for o in outcomes if o not in OUTCOME_NAMES]
    if bad:
        raise ScenarioError([Problem(f"unknown outcome {o!r}", value=o,
                                     suggestion=nearest_name(o, OUTCOME_NAMES))
                             for o in bad])
    mixes = _names(args.mixes)
    if len(mixes) < 2 or not outcomes or args.samples < 2:
        print("error: a ranking needs at least two mixes, one outcome and two samples",
              file=sys.stderr)
        return EXIT_INPUT
    overrides = {"population.residents": args.residents} if args.residents else {}
    exp = robustness_experiment(mixes, assumptions, samples=args.samples,
                                replications=args.reps, steps=args.steps,
                                outcomes=outcomes, seed=args.seed, overrides=overrides)
    store = Path(args.store) if args.store else Path("results") / "robustness.duckdb"
    folder = output_folder(args, store.with_name(store.name.removesuffix(".duckdb")
                                                 + "_report"), "robustness")
    if not args.no_progress:
        print(f"robustness: {len(mixes)} mixes x {args.samples} samples of "
              f"{len(assumptions)} assumptions x {args.reps} seed(s) = {exp.n_runs:,} runs "
              f"-> {store}", file=sys.stderr)
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
        if not line.startswith("Next:"):  # the sweep's advice; this command analyses itself
            print(line, file=sys.stderr)
    if report.interrupted:
        folder.discard()
        return EXIT_INTERRUPTED
    study = read_study(store)
    with folder.writing():
        written = write_outputs(study, folder.staging)
        folder.written += [p.name for p in written]
    print_study(study)
    print(f"\nreport: {folder.final / 'robustness.html'}")
    return 1 if report.failed else 0
