"""Calibrating the assumed parameters against the targets (`cogov calibrate`).

A documented grid search with replications, one block of parameters at a time:

1. Each `Block` names the parameters it tunes, a grid of candidate values for each, and
   the target checks (from `experiments/data/targets.yaml`) they are fitted to.
2. Every candidate (the grid's cross product) is run over the same `reps` seeds (common
   random numbers, so candidates differ only by their values) for `steps` weeks.
3. The loss of a candidate is Σ over its targets of ((mean − mid) / half-width)², where
   mid and half-width describe the target range: 0 at the centre, 1 at an edge.
4. The best candidate's values are kept and the next block is searched with them.

The search starts from the priors: every calibrated parameter at its declared value
(`Scenario.priors()`), so a fit never depends on the calibration it replaces.

`cogov calibrate` prints the fitted values beside the calibrated values in force
(`simulation/scenario/calibrated.yaml`, which every scenario starts from). With `--write`
they go into a new calibration file (`runs/calibrate/calibrated.yaml` unless `--out` says
where: the bundled file with the fitted lines replaced); only `--replace` rewrites the
bundled file itself. Each value carries its provenance: the targets it was fitted to, the
seeds per candidate and the date. Parameters with an empirical source are never tuned
(`Block` refuses them), nor is any figure fitted unless the targets file marks it
`role: fitted`; before/after and trend figures are refused outright (they stay held
out). A fit with fewer than `MIN_REPS` seeds per candidate is refused.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from experiments.runner import RunSpec, map_runs
from experiments.targets import Check, read_targets, run_with_profile, scenario_source
from simulation.scenario import (
    iter_parameters,
    load_scenario,
    parameter_spec,
    scenario_dir,
    with_values,
)
from simulation.scenario.calibration import CALIBRATION_FILE, Calibrated, read_calibration
from simulation.scenario.schema import ASSUMED

DEFAULT_FILE = CALIBRATION_FILE  # the bundled calibration, which every scenario starts from
DEFAULT_OUT = Path("runs") / "calibrate" / "calibrated.yaml"

# Fewest seeds per candidate for a fit to mean something. Measured on `fengqiao` over 20
# paired seeds (260 weeks): one grid step of ladder.success_l1 or success_l2 (0.05) moves
# grassroots_mediation_success by 0.0038-0.0056, while the seed-to-seed standard deviation
# of that paired difference is 0.0088-0.0109. The search ranks neighbouring candidates by
# their mean difference, whose standard error is that SD / sqrt(seeds): below 9 seeds it
# exceeds the effect of a step, so the ranking is mostly noise (with 2 seeds it moved
# success_l1 from 0.85 to 0.8). 10 is the smallest round number above that.
MIN_REPS = 10


@dataclass(frozen=True)
class Block:
    """Parameters searched together, their candidate values and the targets they fit."""

    name: str
    grid: dict[str, tuple[float, ...]]
    targets: tuple[str, ...]
    steps: int  # weeks per run (0: the targets depend only on the initial population)

    def check_tunable(self) -> None:
        """Refuse to tune a parameter with an empirical source: only values the modellers
        assumed (or calibrated before) are fitted.

        Raises:
            ValueError: naming the parameter and its source.
        """
        for path in self.grid:
            spec = parameter_spec(path)
            if spec.source != ASSUMED and not spec.source.startswith("calibrated"):
                raise ValueError(f"{path} has an empirical source ({spec.source}); "
                                 "it is not tuned")

    def check_fittable(self, checks: dict[str, Check]) -> None:
        """Refuse to fit a figure not marked `role: fitted` in the targets file, and any
        before/after or trend figure outright: those stay held out, as evidence.

        Raises:
            ValueError: naming the figure and why.
        """
        for key in self.targets:
            if key not in checks:
                raise ValueError(f"{self.name}: no target named {key!r} with a check")
            c = checks[key]
            if c.kind != "cross_sectional" or c.window != "run" or c.versus is not None:
                raise ValueError(f"{self.name}: {key} is a {c.kind.replace('_', '/')} "
                                 "figure (a reform and its effect, or a trend): it stays "
                                 "held out and is never fitted")
            if c.role != "fitted":
                raise ValueError(f"{self.name}: {key} is marked role: {c.role}, not "
                                 "fitted; only figures marked fitted may be fitted")


# What is calibrated, against what. Income spread and group factors only shape the
# initial population, so those runs need no steps; mediation success rates need runs.
BLOCKS: tuple[Block, ...] = (
    Block(
        "income spread",
        {
            "welfare.income_dispersion": (0.74, 0.76, 0.78, 0.80, 0.82, 0.84, 0.86, 0.88,
                                          0.90),
            "welfare.elderly_income_factor": (0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
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
        ("grassroots_mediation_success",),
        steps=260,
    ),
    Block(
        "gaming under ratings",
        {"effects.ratings_gaming": (0.2, 0.4, 0.6, 0.8, 1.0)},
        ("ratings_reports_sit_above_surveys",),
        steps=260,
    ),
)


def loss(values: list[float], check: Check) -> float:
    """((mean − mid) / half-width)² of a target range: 0 at its centre, 1 at an edge.

    Args:
        values: one outcome over seeds (NaNs are left out).
        check: the target, with its range.

    Returns:
        The loss; infinite when no value is finite.
    """
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
    """Evaluate every candidate of a block over the same `reps` seeds.

    Args:
        block: the parameters searched together, their grids and targets.
        fitted: values every candidate keeps (the priors and earlier blocks' fits).
        checks: the targets by name.
        reps: seeds per candidate.
        workers: processes (default: all cores).
        progress: show a progress bar.

    Returns:
        The best candidate's values, its loss, and (values, loss) for every candidate.
    """
    block.check_tunable()
    block.check_fittable(checks)
    wanted = [checks[t] for t in block.targets]
    scenarios = sorted({c.scenario for c in wanted})
    names = list(block.grid)
    candidates = list(itertools.product(*(block.grid[n] for n in names)))
    specs = []
    for i, values in enumerate(candidates):
        updates = {**fitted, **dict(zip(names, values, strict=True))}
        for sc in scenarios:
            source = scenario_source(sc) or sc  # a bundled scenario or one written for checks
            s = with_values(load_scenario(source), updates)
            specs.extend(RunSpec(s, seed, block.steps, str(scenario_dir(source)),
                                 label=f"{i}|{sc}")
                         for seed in range(reps))
    outputs: dict[str, list[dict[str, float]]] = {}
    for spec, out in map_runs(run_with_profile, specs, workers=workers, progress=progress,
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


def priors() -> dict[str, Any]:
    """Every calibrated parameter at its prior: where the search starts."""
    return {p.path: p.prior for p in iter_parameters() if p.calibrated}


def calibrate(reps: int = 10, workers: int | None = None, progress: bool = True,
              blocks: tuple[Block, ...] = BLOCKS,
              report: Callable[[str], None] | None = None
              ) -> tuple[dict[str, float], dict[str, tuple[str, ...]]]:
    """Search every block in turn, from the priors (see the module docstring).

    Args:
        reps: seeds per candidate (at least `MIN_REPS`).
        workers: processes (default: all cores).
        progress: show a progress bar.
        blocks: what to fit, in order.
        report: receives one line per block: its loss at the values chosen.

    Returns:
        The fitted values and, for each, the targets it was fitted to.

    Raises:
        ValueError: for too few seeds, before anything runs.
    """
    problem = too_few_seeds(reps)
    if problem:
        raise ValueError(problem)
    checks = {c.key: c for c in read_targets()[0]}
    for block in blocks:  # before anything runs
        block.check_tunable()
        block.check_fittable(checks)
    start = priors()
    fitted: dict[str, float] = {}
    against: dict[str, tuple[str, ...]] = {}
    for block in blocks:
        best, best_loss, _ = search_block(block, {**start, **fitted}, checks, reps, workers,
                                          progress)
        if report is not None:
            report(f"{block.name}: loss {best_loss:.3f} at "
                   + ", ".join(f"{k}={v:g}" for k, v in best.items()))
        fitted.update(best)
        for path in best:
            against[path] = block.targets
    return fitted, against


HEADER = """\
# The calibrated values of the model: what `Scenario()`, `CoGovernanceModel()` and every
# scenario file use for these parameters unless they set them. Every other parameter keeps
# the value declared in simulation/scenario/schema.py (its prior).
#
# Written by `cogov calibrate` (experiments/calibrate.py): a grid search with `reps` seeds
# per candidate, fitted to the named targets of experiments/data/targets.yaml. One line
# per value:
#   PARAMETER: {value: V, targets: [TARGET, ...], reps: SEEDS, date: YYYY-MM-DD}
"""


def calibration_lines(values: dict[str, Calibrated]) -> list[str]:
    """One line per calibrated value, as the calibration file holds them."""
    return [f"{path}: {{value: {c.value!r}, targets: [{', '.join(c.targets)}], "
            f"reps: {c.reps}, date: {c.date}}}" for path, c in values.items()]


def write_calibrated(fitted: dict[str, float], against: dict[str, tuple[str, ...]],
                     path: Path = DEFAULT_FILE, reps: int = 10,
                     template: Path = DEFAULT_FILE) -> Path:
    """Write a calibration file at `path`: the values of `template` (the bundled
    calibration) with the fitted ones replaced or added, each with its provenance."""
    values = dict(read_calibration(template))
    today = date.today().isoformat()
    for p, v in fitted.items():
        values[p] = Calibrated(value=v, targets=tuple(against[p]), reps=reps, date=today)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "\n".join(calibration_lines(values)) + "\n", encoding="utf-8")
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


def current_values(paths: list[str]) -> dict[str, Any]:
    """The values of dotted `paths` in force now: the calibrated value, or the prior."""
    return {path: parameter_spec(path).default for path in paths}
