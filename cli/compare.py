"""`cogov compare`: scenarios over seeds, each outcome with its 95% interval, and the
differences from the first scenario, paired by seed."""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from cli.common import (
    add_force,
    add_set,
    fmt,
    load_with_overrides,
    output_folder,
    parse_set,
    print_notes,
)
from cli.run import OUTCOME_UNITS
from simulation.scenario import Problem, Scenario, ScenarioError, memory, resolve_name, scenario_dir
from simulation.scenario.memory import check_fits_in_memory
from simulation.scenario.validation import sorted_problems


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="compare scenarios over seeds, with 95%% intervals")
    p.add_argument("scenarios", nargs="+", help="scenario names or .yaml files")
    p.add_argument("--reps", type=int, default=10, help="seeds per scenario (default 10)")
    p.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    p.add_argument("--steps", type=int, default=None, help="weeks (default: each scenario's)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--out", default=None, help="output folder (default runs/compare)")
    add_force(p)
    p.add_argument("--outcomes", action="append", default=None, metavar="NAME[,NAME...]",
                   help="outcomes of the differences table and differences.md (repeatable "
                        "or comma-separated; default: the headline outcomes)")
    p.add_argument("--json", action="store_true",
                   help="print the table as JSON (each scenario after the first with its "
                        "paired differences from the first)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_set(p)
    p.set_defaults(func=cmd_compare)


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
            check_fits_in_memory(s, file=name)
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

    shown = shown_outcomes(args.outcomes)
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
        diffs = correct_for_family(paired_differences(runs, "scenario", reference, outcomes),
                                   shown)
    except BaseException:  # nothing is written: the destination stays as it was
        folder.discard()
        raise

    with folder.writing():
        runs.to_csv(folder.path("runs.csv"), index=False)
        table.to_csv(folder.path("summary.csv"), index=False)
        diffs.to_csv(folder.path("differences.csv"), index=False)
        if len(scenarios) > 1 and args.reps > 1:
            folder.path("differences.md").write_text(
                differences_markdown(diffs, reference, list(scenarios)[1:], shown,
                                     args.reps), encoding="utf-8")
        from experiments.plots import funnel_chart, timeseries_chart

        # bands do not depend on run order
        timeseries_chart(series, folder.path("timeseries.png"))
        funnel_chart(runs, folder.path("funnel.png"))
    out = folder.final

    if args.json:
        print(json.dumps(json_payload(table, diffs, list(scenarios)), indent=2,
                         allow_nan=True))
        return 0
    print_comparison(table, list(scenarios), args.reps)
    if len(scenarios) > 1 and args.reps > 1:
        print_differences(diffs, reference, list(scenarios)[1:], shown)
    elif len(scenarios) > 1:
        print(f"\nDifferences from {reference} are not shown: with one seed per scenario "
              "there is no interval to judge them by (use --reps 2 or more).")
    md = ", differences.md" if len(scenarios) > 1 and args.reps > 1 else ""
    print(f"\ntables (runs.csv, summary.csv, differences.csv{md}) and charts (timeseries.png, "
          f"funnel.png) written to {out}/")
    return 0


def json_payload(table, diffs, labels: list[str]) -> dict:
    """Each scenario's outcomes (mean, 95% interval, n); for every scenario after the
    first, each outcome also carries `paired_difference`: its row of differences.csv."""
    payload = {
        label: {
            row.outcome: {"mean": row.mean, "ci_low": row.ci_low, "ci_high": row.ci_high,
                          "n": row.n}
            for row in table[table.scenario == label].itertuples()
        }
        for label in labels
    }
    for r in diffs.itertuples():
        payload[r.scenario][r.outcome]["paired_difference"] = {
            "difference": r.difference, "ci_low": r.ci_low, "ci_high": r.ci_high,
            "n": r.n, "p_value": r.p_value, "p_holm": r.p_holm,
            "holds_after_correction": r.holds_after_correction}
    return payload


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
    need = sum(BYTES_PER_RUN_FIXED + 2 * 8 * columns * (s.steps + 1) for s in specs)
    have = memory.memory_limit_bytes()
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
HEADLINE = ("resolution_rate", "unresolved_exit_share", "petitions_per_10k",
            "requests_per_1000", "days_to_resolution_median", "grassroots_share",
            "court_filings_per_10k", "satisfaction", "trust", "welfare_gini",
            "bottom20_share", "digital_gap", "spending_per_resident")


def shown_outcomes(asked: list[str] | None) -> tuple[str, ...]:
    """The outcomes `--outcomes` asks for (comma-separated, repeatable), each checked
    before any run starts; the headline outcomes when none are asked for."""
    if not asked:
        return HEADLINE
    from experiments.api import NUMBERS
    from simulation.scenario.errors import nearest_name

    names = [n.strip() for item in asked for n in item.split(",") if n.strip()]
    problems = [Problem(f"unknown outcome {n!r}", path="--outcomes", value=n,
                        allowed="an outcome of `cogov run --json` (see docs/ODD.md §7)",
                        suggestion=nearest_name(n, NUMBERS))
                for n in names if n not in NUMBERS]
    if problems:
        raise ScenarioError(problems)
    return tuple(dict.fromkeys(names))


# A difference is clear at 95% when its interval excludes 0, and holds after the
# correction when its Holm-adjusted p-value is below this.
ALPHA = 0.05


def correct_for_family(diffs, outcomes: tuple[str, ...]):
    """The differences with `p_holm` and `holds_after_correction` added.

    A table of several scenarios by a dozen outcomes shows dozens of differences, and
    about one in twenty of them comes out clear at 95% by chance alone. The family is the
    table the reader sees (every compared scenario on every outcome shown, in the printed
    table and differences.md), and Holm's step-down method adjusts its p-values so that
    the chance of any false "holds" in it stays at or below 5%. Rows outside the family
    (the other outcomes of differences.csv) and differences with no interval have neither
    value (empty): they were not tested as part of it.
    """
    import numpy as np
    import pandas as pd

    from experiments.stats import holm

    diffs = diffs.copy()
    if diffs.empty:
        diffs["p_holm"] = []
        diffs["holds_after_correction"] = []
        return diffs
    in_family = diffs["outcome"].isin(outcomes).to_numpy()
    p_holm = np.full(len(diffs), np.nan)
    p_holm[in_family] = holm(diffs["p_value"].to_numpy(dtype=float)[in_family])
    diffs["p_holm"] = p_holm
    # Python True/False, None where there is no adjusted p: empty in the CSV, null in JSON.
    diffs["holds_after_correction"] = pd.Series(
        [bool(p < ALPHA) if math.isfinite(p) else None for p in p_holm],
        index=diffs.index, dtype=object)
    return diffs


def mark(r) -> str:
    """'**' where a difference holds after the correction for the family, '*' where only
    its own test is below 0.05 (its 95% interval excludes 0; with no spread between
    seeds, the sign test of `t_test_p`), '' otherwise."""
    if r.holds_after_correction is True:
        return "**"
    return "*" if r.p_value < ALPHA else ""


def family_count(diffs, labels: list[str], outcomes: tuple[str, ...]) -> str:
    """The legend's count: how many of the family's tested differences are clear at 95%,
    and how many hold after Holm's correction."""
    family = diffs[diffs["scenario"].isin(labels) & diffs["outcome"].isin(outcomes)
                   & diffs["p_holm"].notna()]
    marks = [mark(r) for r in family.itertuples()]
    m = len(family)
    return (f"{sum(x != '' for x in marks)} of {m} differences are clear at 95%; "
            f"{marks.count('**')} hold after Holm's correction for the {m} comparisons")


def differences_markdown(diffs, reference: str, labels: list[str], outcomes: tuple[str, ...],
                         reps: int) -> str:
    """The differences table as Markdown: each cell the paired mean difference from the
    reference and its 95% interval, marked as in the printed table, for pasting into a
    report."""
    index = {(r.scenario, r.outcome): r for r in diffs.itertuples()}

    def cell(label: str, outcome: str) -> str:
        r = index.get((label, outcome))
        if r is None or math.isnan(r.difference):
            return "—"
        size = max(abs(r.difference), abs(r.ci_low), abs(r.ci_high))
        digits = 3 if size < 10 else 1 if size < 1000 else 0
        return (f"{r.difference:+,.{digits}f} [{r.ci_low:+,.{digits}f}, "
                f"{r.ci_high:+,.{digits}f}]{mark(r)}")

    lines = [f"Difference from `{reference}`, paired by seed ({reps} seeds): mean "
             "[95% interval]; `**` holds after Holm's correction for the family of "
             "comparisons, `*` only its own interval excludes 0.", "",
             "| outcome | " + " | ".join(f"`{lab}`" for lab in labels) + " |",
             "|---|" + "---|" * len(labels)]
    lines += [f"| {o} | " + " | ".join(cell(lab, o) for lab in labels) + " |"
              for o in outcomes]
    lines += ["", family_count(diffs, labels, outcomes) + "."]
    return "\n".join(lines) + "\n"


def print_differences(diffs, reference: str, labels: list[str],
                      outcomes: tuple[str, ...] = HEADLINE) -> None:
    """Chosen outcomes (the headline ones by default) as differences from the reference,
    paired by seed. '**' marks a difference that holds after Holm's correction for the
    family of comparisons (`correct_for_family`), '*' one whose own 95% interval alone
    excludes zero.
    """
    print(f"\nDifference from {reference}, paired by seed (** : holds after Holm's "
          "correction for the family of comparisons; * : only its own 95% interval "
          "excludes 0)")
    name_w = max(len(o) for o in outcomes)
    col_w = 16
    width = shutil.get_terminal_size((160, 40)).columns
    per_block = max(1, (width - name_w - 2) // col_w)
    index = {(r.scenario, r.outcome): r for r in diffs.itertuples()}
    for start in range(0, len(labels), per_block):
        block = labels[start:start + per_block]
        print()
        for line in header_rows(block, name_w + 2, col_w):
            print(line)
        for o in outcomes:
            cells = []
            for lab in block:
                r = index.get((lab, o))
                if r is None or math.isnan(r.difference):
                    cells.append(f"{'—':>{col_w - 2}}  ")  # in line with the numbers
                    continue
                marks = f"{mark(r):<2}"
                cells.append(f"{r.difference:+{col_w - 2}.3f}{marks}"
                             if abs(r.difference) < 100 else
                             f"{r.difference:+{col_w - 2},.0f}{marks}")
            print(f"  {o:<{name_w}}" + "".join(cells).rstrip())
    print("\n" + family_count(diffs, labels, outcomes))
