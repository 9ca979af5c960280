"""`cogov targets` and `cogov calibrate`: the model against real figures, and the fit of
the assumed parameters to them."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cli.common import EXIT_INPUT, add_force, add_set, load_with_overrides, parse_set
from experiments.outputs import OutputFile


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("targets", help="check the model against real figures (PASS/MISS)")
    p.add_argument("--reps", type=int, default=30, help="seeds per scenario (default 30)")
    p.add_argument("--scenario", default=None,
                   help="run every check on this scenario instead of the ones named")
    p.add_argument("--file", default=None, help="targets file (default: the bundled one)")
    p.add_argument("--steps", type=int, default=None, help="weeks (default: each scenario's)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.add_argument("--report", default=None, metavar="FILE.md",
                   help="also write the validation report (docs/validation.md)")
    add_force(p)
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_set(p)
    p.set_defaults(func=cmd_targets)

    p = sub.add_parser("calibrate", help="fit the assumed parameters to the targets")
    p.add_argument("--reps", type=int, default=10,
                   help="seeds per candidate (default and least 10)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--write", action="store_true",
                   help="write the fitted values to a new calibration file (see --out); "
                   "the bundled calibration is left as it is")
    p.add_argument("--out", default=None, metavar="FILE.yaml",
                   help="file for --write (default runs/calibrate/calibrated.yaml); never "
                   "overwritten")
    p.add_argument("--replace", action="store_true",
                   help="write the fitted values into the bundled calibration "
                   "(simulation/scenario/calibrated.yaml), which every scenario starts "
                   "from")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=cmd_calibrate)


# ------------------------------------------------------------------ targets


def cmd_targets(args: argparse.Namespace) -> int:
    from experiments.targets import TARGETS_FILE, measure, read_targets, result_rows

    overrides = parse_set(args.set)
    if overrides and args.report:
        print("error: --report writes the validation of the model as it is; run --set "
              "without --report (the table says what was set)", file=sys.stderr)
        return EXIT_INPUT
    checks, skipped = read_targets(Path(args.file) if args.file else TARGETS_FILE)
    if overrides:  # checked once, before any run (every scenario takes the same values)
        load_with_overrides("default", overrides)
    report = report_files(Path(args.report), args.force) if args.report else []
    try:
        results = measure(checks, args.reps, scenario_override=args.scenario,
                          workers=args.workers, steps=args.steps,
                          progress=not args.no_progress, overrides=overrides)
    except BaseException:
        for f in report:
            f.discard()
        raise
    if args.json:
        print(json.dumps(result_rows(results), indent=2, allow_nan=True))
    else:
        if overrides:
            print("with " + ", ".join(f"{k}={v}" for k, v in overrides.items())
                  + " in every scenario")
        print_table(results, skipped, args.reps)
    if report:
        from experiments.outputs import writing_files
        from experiments.validation_report import write_validation_report

        text, *charts = report
        with writing_files(*report):
            write_validation_report(text.final, results, skipped, args.reps, write_to=text.temp,
                         images={f.final.name: f.temp for f in charts})
        print(f"report written to {text.final}", file=sys.stderr)
    return 0 if all(r.passed for r in results) else 1


def print_table(results: list, skipped: list, reps: int) -> None:
    """The checks in three groups (fitted, held out, echoes): the model's mean and
    interval, the range, PASS or MISS; only the held-out checks count as evidence."""
    from experiments.targets import ROLE_TITLES, ROLES, evidence, fmt

    print(f"Model against real figures: mean and 95% interval over {reps} seeds")
    for role in ROLES:
        rows = [r for r in results if r.check.role == role]
        missing = [s for s in skipped if s.role == role]
        if not rows and not missing:
            continue
        print(f"\n{ROLE_TITLES[role]}")
        header = (f"  {'figure':<44} {'scenario':<18} {'model mean [95% CI]':<28} "
                  f"{'range':<18} ")
        print(header + "result")
        for r in rows:
            lo, hi = r.ci
            o = r.check.outcome
            model = f"{fmt(r.mean, o)} [{fmt(lo, o)}, {fmt(hi, o)}]"
            rng = f"{fmt(r.check.low, o)}-{fmt(r.check.high, o)}"
            where = r.check.scenario + (f"-{r.check.versus}" if r.check.versus else "")
            print(f"  {r.check.key[:44]:<44} {where[:18]:<18} {model:<28} "
                  f"{rng:<18} {'PASS' if r.passed else 'MISS'}")
        for s in missing:
            print(f"  {s.key[:44]:<44} {'—':<18} {'not modelled':<28} {'':<18} —  "
                  f"({s.reason})")
        print(f"  {sum(r.passed for r in rows)} of {len(rows)} pass")
    passed, total = evidence(results)
    print(f"\nEvidence: {passed} of {total} held-out checks pass (fitted figures and "
          "echoes are not evidence)")
    print(f"{sum(r.passed for r in results)} of {len(results)} checks pass")


def report_files(path: Path, force: bool) -> list[OutputFile]:
    """The validation report and its charts (img/ beside it), checked before any run:
    each replaced only if cogov wrote it (or with --force)."""
    from experiments.outputs import prepare_file
    from experiments.validation_report import IMAGES, image_of_report, is_report

    files = [prepare_file(path, is_ours=is_report, what="validation report", force=force)]
    try:
        for name in IMAGES:
            files.append(prepare_file(
                path.parent / "img" / name, what="chart of the validation report",
                is_ours=lambda _p, name=name: image_of_report(path, name), force=force))
    except BaseException:
        for f in files:
            f.discard()
        raise
    return files


# ------------------------------------------------------------------ calibrate


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Refuse what cannot work before running anything; then fit, show, and write."""
    from experiments.calibrate import (
        DEFAULT_FILE,
        DEFAULT_OUT,
        calibrate,
        change_lines,
        current_values,
        too_few_seeds,
        write_calibrated,
    )

    problem = too_few_seeds(args.reps)
    out = Path(args.out) if args.out else DEFAULT_OUT
    write = args.write or args.out is not None
    if args.replace and args.out is not None:
        problem = "--replace rewrites the bundled calibration; it takes no --out"
    elif write and not args.replace and out.exists():
        problem = (f"{out} exists; give another --out, remove it, or use --replace to "
                   "rewrite the bundled calibration")
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_INPUT
    fitted, against = calibrate(args.reps, args.workers, not args.no_progress,
                                report=lambda line: print(line, file=sys.stderr))
    print(f"Fitted values against the calibration in force ({args.reps} seeds per "
          "candidate, from the priors):")
    for line in change_lines(fitted, current_values(list(fitted))):
        print("  " + line)
    for p in fitted:
        print(f"  {p}: fitted to {', '.join(against[p])}")
    if args.replace:
        path = write_calibrated(fitted, against, DEFAULT_FILE, reps=args.reps)
        print(f"written into {path}: every scenario now starts from these values")
    elif write:
        path = write_calibrated(fitted, against, out, reps=args.reps)
        print(f"written to {path} ({DEFAULT_FILE} is unchanged; --replace rewrites it)")
    else:
        print("nothing written: --write saves them to a new file, --replace into "
              f"{DEFAULT_FILE}")
    return 0
