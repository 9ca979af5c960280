"""What every command shares: exit codes, limits, `--set`, notes, output folders.

Bad input gets a plain message and a non-zero exit, never a traceback (see `cli.main`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from experiments.outputs import OutputFolder, prepare_folder
from simulation.numbers import format_number
from simulation.scenario import (
    Problem,
    Scenario,
    ScenarioError,
    load_scenario,
    parameter_spec,
    with_values,
)
from simulation.scenario.notes import scenario_notes

EXIT_INPUT = 2  # bad input: a scenario, a value or a file
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process it terminated
EXIT_INTERRUPTED = 130  # 128 + SIGINT
# numpy's generators refuse negative seeds; 32 bits give more seeds than anyone will run.
MAX_SEED = 2**32 - 1
# Seeds per scenario (compare, targets, calibrate). A 95% interval over 10,000 seeds is a
# hundred times narrower than over one; more belongs in a sweep, which stores runs as they
# finish instead of holding them all in memory.
MAX_REPS = 10_000
# --steps has the bound declared for run.steps (one source of truth).
MAX_STEPS = int(parameter_spec("run.steps").maximum or 0)


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
    """A scenario by name or path with `--set` values applied, validated."""
    scenario = load_scenario(name)
    return with_values(scenario, overrides) if overrides else scenario


def print_notes(name: str, scenario: Scenario, steps: int | None = None) -> None:
    """Notes on a valid scenario that may not do what its author expects (on stderr)."""
    for note in scenario_notes(name, scenario, steps):
        print(f"note: {name}: {note}", file=sys.stderr)


def output_folder(args: argparse.Namespace, default: Path, kind: str) -> OutputFolder:
    """Where this command's files go, checked before it runs (see experiments.outputs)."""
    folder = prepare_folder(args.out, default, kind=kind, command=["cogov", *args.argv],
                            force=args.force)
    if folder.note:
        print(f"note: {folder.note}" + ("" if folder.mode == "replace" else
                                        f"; writing to {folder.final}/ instead"),
              file=sys.stderr)
    return folder


def add_force(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true",
                   help="write into a destination that holds other files (cogov's "
                   "files replace those of the same name; nothing else is deleted)")


def add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="change one parameter, e.g. levers.rule_of_law.enforcement=0.8 "
                   "(repeatable; `cogov params` lists them)")


def fmt(value: float, unit: str = "") -> str:
    """A measured value for a table (see `simulation.numbers.format_number`)."""
    return format_number(value, unit, measured=True)


def add_study_options(p: argparse.ArgumentParser, study: str, outputs: str) -> None:
    """The options every resumable study shares (robustness, frontiers): county size, run
    length, the study's seed, its results store, where its outputs go, how it runs."""
    p.add_argument("--residents", type=int, default=None,
                   help="county size for every run (default: each scenario's)")
    p.add_argument("--steps", type=int, default=None, help="weeks (default: each scenario's)")
    p.add_argument("--seed", type=int, default=0, help="the study's seed (default 0)")
    p.add_argument("--store", default=None,
                   help=f"DuckDB results file (default results/{study}.duckdb); running the "
                   "same command again resumes it")
    p.add_argument("--out", default=None,
                   help=f"folder for {outputs} (default: beside the store)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run on an existing Dask distributed cluster")
    add_force(p)
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
