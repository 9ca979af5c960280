"""The `cogov` command line (also `python -m simulation`).

Subcommands: run, compare, validate, params, schema. Every parameter can be set from the
command line with `--set PATH=VALUE`, by the dotted names declared in the scenario type.
Bad input gets a plain message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic_core import PydanticUndefined

from experiments.outputs import (
    OutputError,
    OutputFolder,
    prepare_file,
    prepare_folder,
    safe_name,
    writing_files,
)
from experiments.pool import StopRequested, stop_signals
from simulation import __version__
from simulation.metrics import OUTCOMES
from simulation.network import NetworkFileError
from simulation.scenario import (
    Problem,
    Scenario,
    ScenarioError,
    bundled_names,
    iter_parameters,
    load_scenario,
    load_scenario_file,
    parameter_spec,
    resolve_name,
    scenario_dir,
    validate_files,
    with_values,
)
from simulation.scenario.loader import sorted_problems
from simulation.scenario.notes import scenario_notes
from simulation.scenario.schema import iter_event_fields

EXIT_INPUT = 2  # bad input: a scenario, a value or a file
# numpy's generators refuse negative seeds; 32 bits give more seeds than anyone will run.
MAX_SEED = 2**32 - 1
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process it terminated
OUTCOME_UNITS = {o.name: o.unit for o in OUTCOMES}
# Seeds per scenario (compare, targets, calibrate). A 95% interval over 10,000 seeds is a
# hundred times narrower than over one; more belongs in a sweep, which stores runs as they
# finish instead of holding them all in memory.
MAX_REPS = 10_000
# --steps has the bound declared for run.steps (one source of truth).
MAX_STEPS = int(parameter_spec("run.steps").maximum or 0)


# ------------------------------------------------------------------ helpers


def parse_set(pairs: list[str]) -> dict[str, Any]:
    """`--set levers.rule_of_law.enforcement=0.8` pairs, values read as YAML scalars."""
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise ScenarioError([Problem(
                f"--set needs PATH=VALUE, got {pair!r}",
                allowed="e.g. --set levers.rule_of_law.enforcement=0.8")])
        key, raw = pair.split("=", 1)
        try:
            out[key.strip()] = yaml.safe_load(raw) if raw.strip() else raw
        except yaml.YAMLError:
            out[key.strip()] = raw
    return out


def load_with_overrides(name: str, overrides: dict[str, Any]) -> Scenario:
    scenario = load_scenario(name)
    return with_values(scenario, overrides) if overrides else scenario


def print_notes(name: str, scenario: Scenario, steps: int | None = None) -> None:
    """Notes on a valid scenario that may not do what its author expects (on stderr)."""
    for note in scenario_notes(name, scenario, steps):
        print(f"note: {name}: {note}", file=sys.stderr)


def fmt(value: float, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if not unit and float(value).is_integer():
        return f"{int(value):,}"  # a count
    if unit.startswith("yuan") or abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.3f}"


def write_run_outputs(out: OutputFolder, scenario: Scenario, seed: int, steps: int,
                      summary: dict[str, float], series, argv: list[str]) -> None:
    from experiments.runner import scenario_hash

    series.to_csv(out.path("series.csv"))
    series.to_parquet(out.path("series.parquet"))
    out.path("summary.json").write_text(json.dumps(summary, indent=2, allow_nan=True))
    out.path("scenario.yaml").write_text(
        "# The scenario of this run, every parameter resolved (extends applied).\n"
        + yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False,
                         allow_unicode=True))
    out.path("run.json").write_text(json.dumps({
        "scenario": scenario.name, "seed": seed, "steps": steps,
        "scenario_hash": scenario_hash(scenario), "cogov_version": __version__,
        "command": " ".join(["cogov", *argv]),
    }, indent=2))


def output_folder(args: argparse.Namespace, default: Path, kind: str) -> OutputFolder:
    """Where this command's files go, checked before it runs (see experiments.outputs)."""
    folder = prepare_folder(args.out, default, kind=kind, command=["cogov", *args.argv],
                            force=args.force)
    if folder.note:
        print(f"note: {folder.note}" + ("" if folder.mode == "replace" else
                                        f"; writing to {folder.final}/ instead"),
              file=sys.stderr)
    return folder


# ------------------------------------------------------------------ commands


def cmd_run(args: argparse.Namespace) -> int:
    from experiments.runner import RunSpec, run_one

    scenario = load_with_overrides(args.scenario, parse_set(args.set))
    steps = args.steps or scenario.run.steps
    print_notes(args.scenario, scenario, steps)
    spec = RunSpec(scenario, args.seed, steps, str(scenario_dir(args.scenario)))
    folder = output_folder(args, Path("runs") / f"{safe_name(scenario.name)}-seed{args.seed}",
                           "run")
    try:
        result = run_one(spec)
    except BaseException:
        folder.discard()
        raise
    with folder.writing():
        write_run_outputs(folder, scenario, args.seed, steps, result.summary, result.series,
                          args.argv)
    out = folder.final
    if args.json:
        print(json.dumps(result.summary, indent=2, allow_nan=True))
        return 0
    print(f"{scenario.name}: seed {args.seed}, {steps} weeks, "
          f"{int(result.summary['residents']):,} residents")
    width = max(len(k) for k in result.summary)
    for key, value in result.summary.items():
        unit = OUTCOME_UNITS.get(key, "")
        print(f"  {key:<{width}}  {fmt(value, unit):>12}  {unit}")
    print(f"time series and scenario written to {out}/")
    return 0


def scenario_labels(paths: list[Path]) -> list[str]:
    """A column label for each scenario file: its stem, or, where stems repeat, the stem
    with the shortest run of parent folders that tells the files apart (`dupA/county`,
    `dupB/county`); the whole path if even that cannot (`county.yaml`, `county.yml`)."""
    labels = [p.stem for p in paths]
    for stem in {s for s in labels if labels.count(s) > 1}:
        group = [i for i, p in enumerate(paths) if p.stem == stem]
        deepest = max(len(paths[i].parent.parts) for i in group)
        for depth in range(1, deepest + 1):
            tried = {i: "/".join([*paths[i].parent.parts[-depth:], stem]) for i in group}
            if len(set(tried.values())) == len(group):
                break
        else:
            tried = {i: str(paths[i]) for i in group}
        for i, label in tried.items():
            labels[i] = label
    return labels


def load_compared(names: list[str], overrides: dict[str, Any], steps: int | None = None
                  ) -> dict[str, tuple[Scenario, str]]:
    """Every scenario of a comparison by its column label, all checked before any runs.

    Problems in several files are reported together; a file named twice is compared once.
    """
    loaded: dict[Path, tuple[Scenario, str]] = {}
    problems: list[Problem] = []
    for name in names:
        try:
            s = load_with_overrides(name, overrides)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        path = resolve_name(name)
        key = path.resolve() if path is not None else Path(name)
        if key in loaded:
            print(f"note: {name} names a scenario already compared; it is compared once",
                  file=sys.stderr)
            continue
        loaded[key] = (s, str(scenario_dir(name)))
        print_notes(name, s, steps)
    if problems:
        raise ScenarioError(sorted_problems(problems))  # a --set problem once, not per file
    return dict(zip(scenario_labels(list(loaded)), loaded.values(), strict=True))


def cmd_compare(args: argparse.Namespace) -> int:
    import pandas as pd

    from experiments.runner import RunSpec, run_many
    from experiments.stats import KEY_SERIES, paired_differences, summarise

    scenarios = load_compared(args.scenarios, parse_set(args.set), args.steps)
    specs = [
        RunSpec(s, seed, args.steps or s.run.steps, d, label=label)
        for label, (s, d) in scenarios.items()
        for seed in range(args.seed, args.seed + args.reps)
    ]
    keep = (*KEY_SERIES, "resolved_l0", "resolved_l1", "resolved_l2", "resolved_l3")
    check_compare_fits(specs, len(keep))
    folder = output_folder(args, Path("runs/compare"), "compare")
    rows, series = [], {label: [] for label in scenarios}
    try:
        for r in run_many(specs, workers=args.workers, keep_series=keep,
                          progress=not args.no_progress, description="compare"):
            rows.append({"scenario": r.spec.label, "seed": r.spec.seed, **r.summary})
            series[r.spec.label].append(r.series)
        runs = pd.DataFrame(rows)
        runs["scenario"] = pd.Categorical(runs["scenario"], categories=list(scenarios))
        runs = runs.sort_values(["scenario", "seed"]).reset_index(drop=True)
        outcomes = [c for c in runs.columns if c not in ("scenario", "seed")]
        table = summarise(runs, "scenario", outcomes)
        reference = next(iter(scenarios))
        diffs = paired_differences(runs, "scenario", reference, outcomes)
    except BaseException:  # nothing is written: the destination stays as it was
        folder.discard()
        raise

    with folder.writing():
        runs.to_csv(folder.path("runs.csv"), index=False)
        table.to_csv(folder.path("summary.csv"), index=False)
        diffs.to_csv(folder.path("differences.csv"), index=False)
        from experiments.plots import funnel_chart, timeseries_chart

        # bands do not depend on run order
        timeseries_chart(series, folder.path("timeseries.png"))
        funnel_chart(runs, folder.path("funnel.png"))
    out = folder.final

    if args.json:
        payload = {
            label: {
                row.outcome: {"mean": row.mean, "ci_low": row.ci_low, "ci_high": row.ci_high,
                              "n": row.n}
                for row in table[table.scenario == label].itertuples()
            }
            for label in scenarios
        }
        print(json.dumps(payload, indent=2, allow_nan=True))
        return 0
    print_comparison(table, list(scenarios), args.reps)
    if len(scenarios) > 1 and args.reps > 1:
        print_differences(diffs, reference, list(scenarios)[1:])
    elif len(scenarios) > 1:
        print(f"\nDifferences from {reference} are not shown: with one seed per scenario "
              "there is no interval to judge them by (use --reps 2 or more).")
    print(f"\ntables (runs.csv, summary.csv, differences.csv) and charts (timeseries.png, "
          f"funnel.png) written to {out}/")
    return 0


def wrap_label(label: str, width: int) -> list[str]:
    """A column label as lines of at most `width` characters, broken after '_' or '/'
    where possible, so no label is cut short (`equal_cost_rule_of_law` and
    `equal_cost_rule_of_virtue` must stay apart)."""
    lines: list[str] = []
    line = ""
    for piece in re.findall(r"[^_/]+[_/]?|[_/]", label):
        while len(piece) > width:  # a piece too long for any line: split it anywhere
            if line:
                lines.append(line)
                line = ""
            lines.append(piece[:width])
            piece = piece[width:]
        if len(line) + len(piece) > width:
            lines.append(line)
            line = ""
        line += piece
    if line or not lines:
        lines.append(line)
    return lines


def header_rows(labels: list[str], indent: int, col_w: int) -> list[str]:
    """Header lines for right-aligned columns of width `col_w`; a long label wraps over
    several lines, its last line just above the column's values."""
    wrapped = [wrap_label(lab, col_w - 1) for lab in labels]
    height = max(len(w) for w in wrapped)
    padded = [[""] * (height - len(w)) + w for w in wrapped]
    return [(" " * indent + "".join(f"{col[i]:>{col_w}}" for col in padded)).rstrip()
            for i in range(height)]


# One run's row of outcomes (a dict, ~1.7 kB, then a frame row) and its weekly series
# frame's overhead (~3.3 kB), measured with tracemalloc on a 500-resident run.
BYTES_PER_RUN_FIXED = 8_000


def check_compare_fits(specs: list, columns: int) -> None:
    """Refuse a comparison whose runs' results cannot be held in memory, before running.

    compare keeps every run's outcomes and weekly series (for the charts' bands); a
    float64 per week and column, about twice over (the frame and its copy when stacked).
    """
    from simulation.scenario.schema import memory_limit_bytes

    need = sum(BYTES_PER_RUN_FIXED + 2 * 8 * columns * (s.steps + 1) for s in specs)
    have = memory_limit_bytes()
    if need > have:
        raise ScenarioError([Problem(
            f"compare keeps every run's outcomes and weekly series: {len(specs):,} runs need "
            f"about {need / 2**30:.1f} GiB, more than the {have / 2**30:.1f} GiB this "
            "machine can give", path="--reps", value=len(specs),
            allowed="fewer --reps or --steps; or a sweep (cogov sweep), which stores runs "
            "as they finish")])


def print_comparison(table, labels: list[str], reps: int) -> None:
    """Outcomes as rows, scenarios as columns: mean ± half-width of the 95% interval."""
    outcomes = list(dict.fromkeys(table.outcome))
    cell: dict[tuple[str, str], str] = {}
    for row in table.itertuples():
        unit = OUTCOME_UNITS.get(row.outcome, "")
        text = fmt(row.mean, unit)
        if not math.isnan(row.ci_high):
            text += f" ±{fmt((row.ci_high - row.ci_low) / 2, unit)}"
        cell[(row.scenario, row.outcome)] = text
    name_w = max(len(o) for o in outcomes)
    col_w = max(14, *(len(v) for v in cell.values())) + 1
    width = shutil.get_terminal_size((160, 40)).columns
    per_block = max(1, (width - name_w - 2) // col_w)
    print(f"Mean ± half-width of the 95% confidence interval over {reps} seeds per scenario")
    for start in range(0, len(labels), per_block):
        block = labels[start:start + per_block]
        print()
        for line in header_rows(block, name_w + 2, col_w):
            print(line)
        for o in outcomes:
            print(f"  {o:<{name_w}}" + "".join(f"{cell.get((lab, o), ''):>{col_w}}"
                                              for lab in block))


# Outcomes shown in the paired-difference table (all are in differences.csv).
HEADLINE = ("resolution_rate", "grassroots_share", "township_share", "escalations_per_10k",
            "median_weeks", "satisfaction", "trust", "welfare_gini", "bottom20_share",
            "digital_gap", "spending_per_resident")


def print_differences(diffs, reference: str, labels: list[str]) -> None:
    """Headline outcomes as differences from the reference, paired by seed.

    A '*' marks a difference whose 95% interval excludes zero.
    """
    print(f"\nDifference from {reference}, paired by seed (* : 95% interval excludes 0)")
    name_w = max(len(o) for o in HEADLINE)
    col_w = 16
    width = shutil.get_terminal_size((160, 40)).columns
    per_block = max(1, (width - name_w - 2) // col_w)
    index = {(r.scenario, r.outcome): r for r in diffs.itertuples()}
    for start in range(0, len(labels), per_block):
        block = labels[start:start + per_block]
        print()
        for line in header_rows(block, name_w + 2, col_w):
            print(line)
        for o in HEADLINE:
            cells = []
            for lab in block:
                r = index.get((lab, o))
                if r is None or math.isnan(r.difference):
                    cells.append(f"{'—':>{col_w}}")
                    continue
                star = "*" if (r.ci_low > 0 or r.ci_high < 0) else " "
                cells.append(f"{r.difference:+{col_w - 1}.3f}{star}"
                             if abs(r.difference) < 100 else
                             f"{r.difference:+{col_w - 1},.0f}{star}")
            print(f"  {o:<{name_w}}" + "".join(cells))


def cmd_validate(args: argparse.Namespace) -> int:
    results = validate_files(args.files)
    bad = 0
    for path, problems in results.items():
        if problems:
            bad += 1
            for p in problems:
                print(p.format(), file=sys.stderr)
        else:
            print(f"{path}: ok")
            print_notes(path, load_scenario_file(Path(path), shown=path))
    if bad:
        print(f"{bad} of {len(results)} file(s) have problems", file=sys.stderr)
    return EXIT_INPUT if bad else 0


def cmd_params(args: argparse.Namespace) -> int:
    specs = iter_parameters()
    if args.json:
        print(json.dumps([s.__dict__ for s in specs], indent=2, ensure_ascii=False,
                         default=str))
        return 0
    for s in specs:
        print_parameter(s, args.verbose)
    if args.verbose:
        print(EVENTS_HELP)
        for s in iter_event_fields():
            print_parameter(s, True, source=False)
    return 0


EVENTS_HELP = """
Events: two lists in a scenario file, each entry with the fields below.
  schedules: reform ramps. Each moves one lever linearly from its value in force at
    start_week to `to` at end_week, and holds it there. Ramps apply in the order listed.
  shocks: each is in force from `week` for duration_weeks weeks and hits only its group.
A run steps through weeks 1 to run.steps: a shock or ramp wholly outside them has no
effect, and `cogov validate`, `run` and `compare` say so in a note. Example:
  schedules:
    - {parameter: levers.party_leadership.cell_coverage, start_week: 0, end_week: 260, to: 1.0}
  shocks:
    - {kind: income, group: migrant, week: 104, duration_weeks: 26, magnitude: 0.3}
(scenarios/reform_party_cells.yaml and scenarios/factory_closure.yaml use them.)
"""


def print_parameter(s, verbose: bool, source: bool = True) -> None:
    rng = (f"{s.minimum:g}..{s.maximum:g}" if s.minimum is not None
           and s.maximum is not None else "/".join(s.choices) or s.kind)
    default = "required" if s.default is PydanticUndefined else s.default
    print(f"{s.path:<52} {default!s:>10}  [{rng}] {s.unit}".rstrip())
    if verbose:
        label = f"{s.label_zh} — " if s.label_zh else ""
        print(f"    {label}{s.meaning}" + (f" Source: {s.source}" if source else ""))


def cmd_sweep(args: argparse.Namespace) -> int:
    from experiments.sweep import cli_sweep

    return cli_sweep(args)


def cmd_analyze(args: argparse.Namespace) -> int:
    from experiments.analyze import cli_analyze

    return cli_analyze(args)


def cmd_targets(args: argparse.Namespace) -> int:
    from experiments.targets import cli_targets

    return cli_targets(args)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from experiments.calibrate import cli_calibrate

    return cli_calibrate(args)


def cmd_app(args: argparse.Namespace) -> int:
    from experiments.appserver import cli_app

    return cli_app(args)


def cmd_schema(args: argparse.Namespace) -> int:
    from simulation.scenario.jsonschema import SCHEMA_PATH, is_schema_file, schema_text

    target = prepare_file(Path(args.out) if args.out else SCHEMA_PATH,
                          is_ours=is_schema_file, what="scenario JSON schema",
                          force=args.force)
    with writing_files(target):
        target.temp.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {target.final}")
    return 0


# ------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cogov",
        description="Simulate multi-actor co-governance (共建共治共享): how mixes of "
        "self-governance, rule of law, rule of virtue and smart governance, led by party "
        "cells, change dispute resolution and welfare spread.",
        epilog="Bundled scenarios: " + ", ".join(bundled_names()),
    )
    parser.add_argument("--version", action="version", version=f"cogov {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_force(p: argparse.ArgumentParser) -> None:
        p.add_argument("--force", action="store_true",
                       help="write into a destination that holds other files (cogov's "
                       "files replace those of the same name; nothing else is deleted)")

    def add_set(p: argparse.ArgumentParser) -> None:
        p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                       help="change one parameter, e.g. levers.rule_of_law.enforcement=0.8 "
                       "(repeatable; `cogov params` lists them)")

    p = sub.add_parser("run", help="run one scenario and print its outcomes")
    p.add_argument("scenario", help="bundled scenario name or path to a .yaml file")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--steps", type=int, default=None, help="weeks (default: the scenario's)")
    p.add_argument("--out", default=None, help="output folder (default runs/NAME-seedN)")
    add_force(p)
    p.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    add_set(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("compare", help="compare scenarios over seeds, with 95%% intervals")
    p.add_argument("scenarios", nargs="+", help="scenario names or .yaml files")
    p.add_argument("--reps", type=int, default=10, help="seeds per scenario (default 10)")
    p.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    p.add_argument("--steps", type=int, default=None, help="weeks (default: each scenario's)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--out", default=None, help="output folder (default runs/compare)")
    add_force(p)
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_set(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("validate", help="check scenario files; exit 0 only if all are valid")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("params", help="list every parameter with default, range and unit")
    p.add_argument("--json", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true", help="meaning and source too")
    p.set_defaults(func=cmd_params)

    p = sub.add_parser("sweep", help="run a parameter sweep from an experiment file")
    p.add_argument("experiment", help="experiment .yaml file (see experiments/*.yaml)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run on an existing Dask distributed cluster")
    p.add_argument("--store", default=None,
                   help="DuckDB results file (default results/EXPERIMENT.duckdb)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("analyze", help="effects, Sobol indices and a report from a sweep")
    p.add_argument("store", help="DuckDB results file written by `cogov sweep`")
    p.add_argument("--out", default=None, help="report folder (default: beside the store)")
    add_force(p)
    p.set_defaults(func=cmd_analyze)

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
    p.set_defaults(func=cmd_targets)

    p = sub.add_parser("calibrate", help="fit the assumed parameters to the targets")
    p.add_argument("--reps", type=int, default=10,
                   help="seeds per candidate (default and least 10)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--write", action="store_true",
                   help="write the fitted values to a new scenario file (see --out); "
                   "scenarios/default.yaml is left as it is")
    p.add_argument("--out", default=None, metavar="FILE.yaml",
                   help="file for --write (default runs/calibrate/default.yaml); never "
                   "overwritten")
    p.add_argument("--replace", action="store_true",
                   help="write the fitted values into scenarios/default.yaml, which every "
                   "bundled scenario extends")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("app", help="serve the interactive browser view")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    p.add_argument("--scenario-folder", default=None, metavar="DIR",
                   help="let the page load scenario and network files from DIR by name "
                   "(default: only bundled scenarios and files uploaded in the session)")
    p.set_defaults(func=cmd_app)

    p = sub.add_parser("schema", help="write the JSON schema of scenario files")
    p.add_argument("--out", default=None,
                   help="path (default scenarios/scenario.schema.json)")
    add_force(p)
    p.set_defaults(func=cmd_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.argv = argv
    for name, most in (("reps", MAX_REPS), ("steps", MAX_STEPS), ("workers", None)):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            parser.error(f"--{name} must be at least 1, got {value}")
        if value is not None and most is not None and value > most:
            parser.error(f"--{name} must be at most {most:,}, got {value:,}"
                         + (" (the bound of run.steps, weeks)" if name == "steps" else
                            "; for more seeds, run a sweep (cogov sweep)"))
    seed = getattr(args, "seed", None)
    if seed is not None and not 0 <= seed <= MAX_SEED:
        parser.error(f"--seed must be a whole number from 0 to {MAX_SEED:,}, got {seed}")
    port = getattr(args, "port", None)
    if port is not None and not 1 <= port <= 65_535:
        parser.error(f"--port must be a whole number from 1 to 65535, got {port}")
    try:
        with stop_signals():
            return int(args.func(args) or 0)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem.format(), file=sys.stderr)
        return EXIT_INPUT
    except NetworkFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except OutputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except StopRequested:
        print("terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
