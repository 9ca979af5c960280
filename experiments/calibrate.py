"""Calibrating the assumed parameters against the targets (`cogov calibrate`).

A documented grid search with replications, one block of parameters at a time:

1. Each `Block` names the parameters it tunes, a grid of candidate values for each, and
   the target checks (from `experiments/data/targets.yaml`) they are fitted to.
2. Every candidate (the grid's cross product) is run over the same `reps` seeds (common
   random numbers, so candidates differ only by their values) for `steps` weeks.
3. The loss of a candidate is Σ over its targets of ((mean − mid) / half-width)², where
   mid and half-width describe the target range: 0 at the centre, 1 at an edge.
4. The best candidate's values are kept and the next block is searched with them.

`cogov calibrate` prints the fitted values beside the ones in `scenarios/default.yaml`.
With `--write` they go into a new scenario file (a copy of `scenarios/default.yaml` with
the calibrated block replaced; `runs/calibrate/default.yaml` unless `--out` says where);
only `--replace` rewrites `scenarios/default.yaml` itself, which every bundled scenario
extends. Each value carries a comment saying it was calibrated and against what.
Parameters with an empirical source are never tuned (`Block` refuses them), and a fit with
fewer than `MIN_REPS` seeds per candidate is refused.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from experiments.runner import RunSpec, map_runs
from experiments.targets import Check, _run_with_profile, read_targets
from simulation.scenario import (
    BUNDLED_DIR,
    load_scenario,
    parameter_spec,
    scenario_dir,
    with_values,
)
from simulation.scenario.schema import ASSUMED

DEFAULT_FILE = BUNDLED_DIR / "default.yaml"
DEFAULT_OUT = Path("runs") / "calibrate" / "default.yaml"

# Fewest seeds per candidate for a fit to mean something. Measured on `fengqiao` over 20
# paired seeds (260 weeks): one grid step of ladder.success_l1 or success_l2 (0.05) moves
# grassroots_mediation_success by 0.0038-0.0056, while the seed-to-seed standard deviation
# of that paired difference is 0.0088-0.0109. The search ranks neighbouring candidates by
# their mean difference, whose standard error is that SD / sqrt(seeds): below 9 seeds it
# exceeds the effect of a step, so the ranking is mostly noise (with 2 seeds it moved
# success_l1 from 0.85 to 0.8). 10 is the smallest round number above that.
MIN_REPS = 10
BEGIN = "# --- calibrated: written by `cogov calibrate`; edit by rerunning it ---"
END = "# --- end of calibrated values ---"


@dataclass(frozen=True)
class Block:
    """Parameters searched together, their candidate values and the targets they fit."""

    name: str
    grid: dict[str, tuple[float, ...]]
    targets: tuple[str, ...]
    steps: int  # weeks per run (0: the targets depend only on the initial population)

    def check_tunable(self) -> None:
        for path in self.grid:
            spec = parameter_spec(path)
            if spec.source != ASSUMED and not spec.source.startswith("calibrated"):
                raise ValueError(f"{path} has an empirical source ({spec.source}); "
                                 "it is not tuned")


# What is calibrated, against what. Income spread and group factors only shape the
# initial population, so those runs need no steps; mediation success rates need runs.
BLOCKS: tuple[Block, ...] = (
    Block(
        "income spread",
        {
            "welfare.income_dispersion": (0.70, 0.72, 0.74, 0.76, 0.78, 0.80),
            "welfare.elderly_income_factor": (0.5, 0.6, 0.7, 0.8, 0.9),
        },
        ("income_gini", "top_bottom_quintile_ratio", "urban_rural_income_ratio"),
        steps=0,
    ),
    Block(
        "mediation success",
        {
            "ladder.success_l1": (0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85),
            "ladder.success_l2": (0.70, 0.75, 0.80, 0.85, 0.90),
        },
        ("grassroots_mediation_success", "settled_at_township_or_below"),
        steps=260,
    ),
)


def loss(values: list[float], check: Check) -> float:
    """((mean − mid) / half-width)² of a target range."""
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return math.inf
    mean = sum(finite) / len(finite)
    mid = (check.low + check.high) / 2
    half = max((check.high - check.low) / 2, 1e-12)
    return ((mean - mid) / half) ** 2


def search_block(block: Block, fitted: dict[str, float], checks: dict[str, Check],
                 reps: int, workers: int | None, progress: bool) -> tuple[dict[str, float],
                                                                          float, list]:
    """Evaluate every candidate of a block; returns the best values, its loss, all rows."""
    block.check_tunable()
    wanted = [checks[t] for t in block.targets]
    scenarios = sorted({c.scenario for c in wanted})
    names = list(block.grid)
    candidates = list(itertools.product(*(block.grid[n] for n in names)))
    specs = []
    for i, values in enumerate(candidates):
        updates = {**fitted, **dict(zip(names, values, strict=True))}
        for sc in scenarios:
            s = with_values(load_scenario(sc), updates)
            specs.extend(RunSpec(s, seed, block.steps, str(scenario_dir(sc)), label=f"{i}|{sc}")
                         for seed in range(reps))
    outputs: dict[str, list[dict[str, float]]] = {}
    for spec, out in map_runs(_run_with_profile, specs, workers=workers, progress=progress,
                              description=f"calibrate {block.name}"):
        outputs.setdefault(spec.label, []).append(out)
    rows = []
    for i, values in enumerate(candidates):
        total = 0.0
        for c in wanted:
            total += loss([o[c.outcome] for o in outputs[f"{i}|{c.scenario}"]], c)
        rows.append((dict(zip(names, values, strict=True)), total))
    best, best_loss = min(rows, key=lambda r: r[1])
    return best, best_loss, rows


def too_few_seeds(reps: int) -> str | None:
    """Why `reps` seeds per candidate are too few for a meaningful fit, or None."""
    if reps >= MIN_REPS:
        return None
    return (f"{reps} seed(s) per candidate are too few for a fit: at least {MIN_REPS} are "
            "needed. One grid step of a mediation success rate moves the fitted outcome by "
            "0.004-0.006, and with fewer seeds the seed-to-seed noise of the difference "
            "between neighbouring candidates (SD 0.009-0.011 / sqrt(seeds)) is larger than "
            "that, so the fit would pick values by chance")


def calibrate(reps: int = 10, workers: int | None = None, progress: bool = True,
              blocks: tuple[Block, ...] = BLOCKS,
              report: Callable[[str], None] | None = None
              ) -> tuple[dict[str, float], dict[str, str]]:
    """Search every block in turn; returns fitted values and, per value, what it fits.

    `report`, when given, receives one line per block: its loss at the values chosen.
    """
    problem = too_few_seeds(reps)
    if problem:
        raise ValueError(problem)
    checks = {c.key: c for c in read_targets()[0]}
    fitted: dict[str, float] = {}
    against: dict[str, str] = {}
    for block in blocks:
        best, best_loss, _ = search_block(block, fitted, checks, reps, workers, progress)
        if report is not None:
            report(f"{block.name}: loss {best_loss:.3f} at "
                   + ", ".join(f"{k}={v:g}" for k, v in best.items()))
        fitted.update(best)
        for path in best:
            against[path] = ", ".join(block.targets)
    return fitted, against


def write_calibrated(fitted: dict[str, float], against: dict[str, str],
                     path: Path = DEFAULT_FILE, reps: int = 10,
                     template: Path = DEFAULT_FILE) -> Path:
    """Write the fitted values into the scenario file at `path`, between the calibrated
    markers. A file that does not exist yet starts as a copy of `template`."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        preface = ""
    else:
        text = template.read_text(encoding="utf-8")
        preface = (f"# Written by `cogov calibrate --write` from {template.name}: the scenario "
                   "with refitted values.\n# To make every bundled scenario use them, run "
                   "`cogov calibrate --replace` (or copy this file\n# over "
                   "scenarios/default.yaml).\n")
    if BEGIN in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1] if END in rest else ""
    else:
        head, tail = text.rstrip("\n") + "\n\n", ""
    nested: dict[str, dict[str, Any]] = {}
    for p, v in fitted.items():
        section, name = p.split(".", 1)
        nested.setdefault(section, {})[name] = v
    lines = [BEGIN,
             f"# {date.today().isoformat()}: grid search, {reps} seeds per candidate "
             "(experiments/calibrate.py); each value",
             "# names the targets (experiments/data/targets.yaml) it was fitted to."]
    for section, values in nested.items():
        lines.append(f"{section}:")
        for name, v in values.items():
            lines.append(f"  {name}: {yaml.safe_dump(v).strip().splitlines()[0]}"
                         f"  # calibrated against {against[f'{section}.{name}']}")
    lines.append(END)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(preface + head + "\n".join(lines) + "\n" + tail.lstrip("\n"),
                    encoding="utf-8")
    return path


def change_lines(fitted: dict[str, float], current: dict[str, Any]) -> list[str]:
    """The fitted values beside those in force now: `path  old -> new`."""
    width = max(len(p) for p in fitted)
    out = [f"{'parameter':<{width}}  {'now':>8}     {'fitted':<8}"]
    for path, new in fitted.items():
        old = current[path]
        mark = "" if old == new else "  changed"
        out.append(f"{path:<{width}}  {old!s:>8}  →  {new!s:<8}{mark}")
    return out


def current_values(paths: list[str], scenario_file: Path = DEFAULT_FILE) -> dict[str, Any]:
    """The values of dotted `paths` in a scenario file (with its extends applied)."""
    data = load_scenario(scenario_file).model_dump()
    out = {}
    for path in paths:
        node: Any = data
        for part in path.split("."):
            node = node[part]
        out[path] = node
    return out
