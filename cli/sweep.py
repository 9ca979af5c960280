"""`cogov sweep` and `cogov analyze`: run an experiment file's design into a DuckDB store,
and analyse a store (effects, Sobol indices, an HTML report)."""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from cli.common import EXIT_INPUT, EXIT_INTERRUPTED, add_force, output_folder, parse_set

EXIT_FAILED_RUNS = 1


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="run a parameter sweep from an experiment file")
    p.add_argument("experiment", help="experiment .yaml file or the name of a bundled one")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run on an existing Dask distributed cluster")
    p.add_argument("--store", default=None,
                   help="DuckDB results file (default results/EXPERIMENT.duckdb)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="set a parameter in every run, on top of the file's `set:` "
                   "(repeatable), e.g. --set disputes.relapse_base=0; the default store's "
                   "name then says so")
    p.add_argument("--seed", type=int, default=None, metavar="N",
                   help="the experiment's seed in place of the file's (every run's seed "
                   "derives from it): the same design on other draws")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("analyze", help="effects, Sobol indices and a report from a sweep")
    p.add_argument("store", help="DuckDB results file written by `cogov sweep`")
    p.add_argument("--out", default=None, help="report folder (default: beside the store)")
    add_force(p)
    p.set_defaults(func=cmd_analyze)


def cmd_sweep(args: argparse.Namespace) -> int:
    from experiments.design import load_experiment, resolve_experiment
    from experiments.pool import BackendError, default_workers
    from experiments.store import StoreError
    from experiments.sweep import run_sweep, summary_lines
    from simulation.scenario.memory import check_fits_in_memory

    extra = parse_set(args.set)
    path = resolve_experiment(args.experiment)
    exp = load_experiment(path, shown=str(args.experiment) if Path(args.experiment).suffix
                          else str(path), extra_set=extra, seed=args.seed)
    for name, base in exp.bases.items():  # before any run: the machine can hold them
        check_fits_in_memory(base, file=name)
    store = (Path(args.store) if args.store
             else Path("results") / f"{exp.name}{set_suffix(extra, args.seed)}.duckdb")
    if not args.no_progress:
        where = args.scheduler or f"{args.workers or default_workers()} worker(s)"
        print(f"{exp.name}: {exp.n_points:,} design points x {exp.replications} "
              f"replication(s) = {exp.n_runs:,} runs ({exp.design}) on {where} -> {store}",
              file=sys.stderr)
    try:
        report = run_sweep(exp, store, workers=args.workers, scheduler=args.scheduler,
                           progress=not args.no_progress)
    except (StoreError, BackendError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    for line in summary_lines(report):
        print(line)
    if report.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED_RUNS if report.failed else 0


def set_suffix(extra: dict[str, object], seed: int | None = None) -> str:
    """What a default store's name adds for `--set` values and `--seed`, so a sweep under
    a changed assumption or on other draws never lands in (or is refused by) the store of
    the file's own design: "--relapse_base=0" for ``--set disputes.relapse_base=0``,
    "--seed=7" for ``--seed 7``; a digest when that would be long or not a plain file
    name."""
    named = {path.rsplit(".", 1)[-1]: value for path, value in extra.items()}
    if seed is not None:
        named["seed"] = seed
    if not named:
        return ""
    text = "-".join(f"{name}={value}" for name, value in named.items())
    if len(text) <= 60 and all(ch.isalnum() or ch in "._=-" for ch in text):
        return f"--{text}"
    digest = hashlib.sha256(repr((sorted(extra.items()), seed)).encode()).hexdigest()[:8]
    return f"--set-{digest}"


def cmd_analyze(args: argparse.Namespace) -> int:
    from experiments.analyze import analyze, headline, write_outputs
    from experiments.store import StoreError

    store = Path(args.store)
    folder = output_folder(args, store.with_name(store.name.removesuffix(".duckdb")
                                                 + "_report"), "analyze")
    try:
        a = analyze(store)
    except StoreError as exc:
        folder.discard()
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BaseException:
        folder.discard()
        raise
    with folder.writing():
        written = write_outputs(a, folder.staging)
        folder.written += [p.name for p in written]
    out = folder.final
    exp = a.study.experiment
    print(f"{exp['name']}: {len(a.study.ok):,} runs ({exp['design']}, "
          f"{exp['n_points']:,} points x {exp['replications']} replications)")
    for note in a.study.notes:
        print(f"note: {note}")
    lines = headline(a)
    if lines:
        print("clearest findings (95% intervals):")
        for line in lines[:20]:
            print(line)
        if len(lines) > 20:
            print(f"  ... and {len(lines) - 20} more in the report")
    print(f"report: {out / 'report.html'}")
    print("tables: " + ", ".join(p.name for p in written if p.suffix == ".csv"))
    return 0
