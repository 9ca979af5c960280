"""The validation report, docs/validation.md (`cogov targets --report docs/validation.md`).

It holds: the target table (model mean, 95% interval, range, PASS/MISS), a plot of the
dispute funnel across levels, a plot of the income distribution against the real
quintile means, the one-at-a-time sensitivity of every target to every calibrated
parameter, and what the model leaves out. Everything in it is computed when it is
written; nothing is typed in by hand except the prose.
"""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from experiments.calibrate import BLOCKS
from experiments.plots import funnel_chart
from experiments.runner import RunSpec, map_runs, simulate
from experiments.targets import (
    ROLE_TITLES,
    ROLES,
    Check,
    CheckResult,
    NotModelled,
    evidence,
    fmt,
    run_with_profile,
    scenario_source,
)
from simulation.numbers import format_number
from simulation.scenario import load_scenario, parameter_spec, scenario_dir, with_values
from simulation.scenario.paths import get_path

# NBS 2023 per-capita disposable income by quintile (yuan), from targets.yaml.
NBS_QUINTILE_MEANS = (9_215, 20_442, 32_195, 50_220, 95_055)
FUNNEL_SCENARIOS = ("baseline", "default", "three_governances", "fengqiao")


def _quintile_means(seed: int) -> np.ndarray:
    model = simulate(load_scenario("default"), seed, steps=0)
    income = np.sort(model.residents.income)
    return np.array([part.mean() for part in np.array_split(income, 5)])


def income_chart(path: Path, reps: int) -> Path:
    """Model quintile means (default scenario, mean over seeds) beside NBS 2023's."""
    seeds = list(range(min(reps, 10)))
    model = np.mean([q for _, q in map_runs(_quintile_means, seeds, progress=False)], axis=0)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    x = np.arange(5)
    ax.bar(x - 0.2, NBS_QUINTILE_MEANS, 0.4, label="NBS 2023", color="#4d4d4d")
    ax.bar(x + 0.2, model, 0.4, label="model (default scenario)", color="#2166ac")
    ax.set_xticks(x, ["bottom 20%", "2nd", "3rd", "4th", "top 20%"])
    ax.set_ylabel("mean income, yuan per year")
    ax.set_title("Income by quintile: model against the National Bureau of Statistics")
    ax.legend(frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def funnel(path: Path, reps: int) -> Path:
    """Chart where disputes end, by rung, in four of the bundled mixes (at most 10 seeds
    each) at `path`."""
    specs = []
    for name in FUNNEL_SCENARIOS:
        s = load_scenario(name)
        specs += [RunSpec(s, seed, s.run.steps, str(scenario_dir(name)), label=name)
                  for seed in range(min(reps, 10))]
    rows = [{"scenario": spec.label, **out}
            for spec, out in map_runs(run_with_profile, specs, progress=False)]
    runs = pd.DataFrame(rows)
    runs["scenario"] = pd.Categorical(runs["scenario"], categories=list(FUNNEL_SCENARIOS))
    return funnel_chart(runs.sort_values("scenario"), path)


def held_out_notes(results: list[CheckResult]) -> list[str]:
    """What each held-out check shows: its question, the figures behind it, the model's
    answer, and what to keep in mind."""
    out = ["## What each held-out check shows", ""]
    for r in results:
        c = r.check
        if c.role != "checked":
            continue
        lo, hi = r.ci
        verdict = "passes" if r.passed else "misses"
        where = c.scenario + (f" minus {c.versus} (same seeds)" if c.versus else "")
        window = {"run": "over the whole run", "first_year": "in the first year",
                  "last_year": "in the last year",
                  "change": "from the first year to the last"}[c.window]
        out.append(f"- **{c.key}** ({c.kind.replace('_', ' ')}). {c.meaning[:1].upper()}"
                   f"{c.meaning[1:]}. Model, {where}, {window}: {fmt(r.mean, c.outcome)} "
                   f"[{fmt(lo, c.outcome)}, {fmt(hi, c.outcome)}] against "
                   f"{fmt(c.low, c.outcome)}–{fmt(c.high, c.outcome)}: it {verdict}. "
                   "Figures: " + "; ".join(f"{fig:g} ({note})" for fig, note in c.figures)
                   + "." + (f" Keep in mind: {c.caution}." if c.caution else ""))
    return [*out, ""]


def sensitivity(checks: list[Check], reps: int, change: float = 0.1) -> pd.DataFrame:
    """One at a time: each calibrated parameter −/+ `change` (relative), every target.

    Returns rows of (parameter, target, value at −, value at +, change per +10%).
    """
    by_key = {c.key: c for c in checks}
    rows = []
    for block in BLOCKS:
        targets = [by_key[t] for t in block.targets if t in by_key]
        for path in block.grid:
            base = load_scenario("default")
            value = float(get_path(base, path))
            spec = parameter_spec(path)
            lo = max(spec.minimum if spec.minimum is not None else -math.inf,
                     value * (1 - change))
            hi = min(spec.maximum if spec.maximum is not None else math.inf,
                     value * (1 + change))
            runs = []
            for side, v in (("low", lo), ("high", hi)):
                for sc in sorted({t.scenario for t in targets}):
                    source = scenario_source(sc) or sc  # bundled, or written for the checks
                    s = with_values(load_scenario(source), {path: v})
                    runs.extend(RunSpec(s, seed, block.steps, str(scenario_dir(source)),
                                        label=f"{side}|{sc}") for seed in range(reps))
            out: dict[str, list[dict[str, float]]] = {}
            for spec_, o in map_runs(run_with_profile, runs, progress=False):
                out.setdefault(spec_.label, []).append(o)
            for t in targets:
                m_lo = float(np.nanmean([o[t.outcome] for o in out[f"low|{t.scenario}"]]))
                m_hi = float(np.nanmean([o[t.outcome] for o in out[f"high|{t.scenario}"]]))
                rows.append({"parameter": path, "value": value, "target": t.key,
                             "at_minus": m_lo, "at_plus": m_hi,
                             "elasticity": _elasticity(m_lo, m_hi, lo, hi, value)})
    return pd.DataFrame(rows)


def _elasticity(y_lo: float, y_hi: float, x_lo: float, x_hi: float, x: float) -> float:
    """Relative change of the target per relative change of the parameter."""
    y_mid = (y_lo + y_hi) / 2
    if y_mid == 0 or x_hi == x_lo:
        return math.nan
    return ((y_hi - y_lo) / y_mid) / ((x_hi - x_lo) / x)


LEAVES_OUT = """\
- **Economics.** Incomes grow at declared rates by area and fall with job loss, shocks
  and unresolved disputes (wage arrears, property losses); there is no market, no firm
  and no lever that changes earnings. The welfare effects of governance are the
  transfers and services the budget pays for, how well they are targeted, and the
  losses disputes cause, not effects on growth.
- **Types of work.** New forms of employment (21% of workers, seed 004) are not modelled;
  job loss is more likely for migrants instead.
- **Mediators as people.** People's mediators and informants are not counted per
  household; the grid's mediation capacity comes from grid workers and volunteers.
- **Administration.** Offices have fixed staff per resident; there is no hiring or
  budget cycle. Performance ratings (接诉即办's three rates) and the gaming they invite
  are modelled, with the gaming share fitted to one self-report gap. Administrative
  success rates are self-reported and sit near a ceiling, so the model is fitted to
  ranges, not to 99%.
- **Politics.** Party cells coordinate and mobilise; the model does not represent
  cadres' incentives, campaigns, or the political use of petition figures.
- **Space and time.** Weekly steps with handling in days; no geography beyond grids,
  communities and towns.
- **Validation scope.** The figures are national or from Anji/Huzhou; no one county's
  dispute records were available, so the fit shows the model can reproduce the patterns,
  not that it forecasts a particular place.
- **Fit is not evidence.** The fitted figures pass because parameters were tuned to them,
  and the echoes because the population is built from them; only the held-out checks
  test the model, and several miss (see above). Before/after figures are self-reported
  and confounded by everything else that changed over those years.
- **Rankings.** Which mix does best depends on assumed costs and effect sizes: read a
  ranking with its probability over the assumptions' plausible ranges (`cogov
  robustness`) and over spending levels (`cogov frontiers`), never as a single number.
"""


TITLE = "# Validation: the model against real figures"
# Text a writer adds to a generated report between these markers (a section on the
# rankings, say) is kept when the report is generated again.
KEPT = re.compile(r"<!-- kept -->\n.*?<!-- /kept -->\n", re.DOTALL)
IMAGES = ("validation_funnel.png", "validation_income.png")  # in img/ beside the report


def is_report(path: Path) -> bool:
    """Was this file written by `cogov targets --report` (its title and first line)?"""
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(400)
    except OSError:
        return False
    return head.startswith(f"{TITLE}\n\nGenerated by `cogov targets")


def image_of_report(report: Path, name: str) -> bool:
    """Is img/NAME beside `report` one of its charts (the report is cogov's and shows it)?"""
    try:
        return is_report(report) and f"](img/{name})" in report.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def write_validation_report(path: Path, results: list[CheckResult], skipped: list[NotModelled],
                 reps: int, *, write_to: Path | None = None,
                 images: dict[str, Path] | None = None) -> Path:
    """Write the report that belongs at `path` (named in it; its charts in img/ beside it).

    `write_to` and `images` (chart name -> file) say where to write the text and the
    charts now, when they are first written under temporary names."""
    img = path.parent / "img"
    if images is None:
        img.mkdir(parents=True, exist_ok=True)
        images = {name: img / name for name in IMAGES}
    funnel(images["validation_funnel.png"], reps)
    income_chart(images["validation_income.png"], reps)
    sens = sensitivity([r.check for r in results], max(4, min(reps, 10)))

    def rel(p: Path) -> str:
        return p.relative_to(path.parent).as_posix()

    out = [TITLE, "",
           f"Generated by `cogov targets --reps {reps} --report {path.as_posix()}` on "
           f"{date.today().isoformat()}. The figures, their sources and the ranges are in "
           "`experiments/data/targets.yaml`; the calibrated values and what they were "
           "fitted to are in `simulation/scenario/calibrated.yaml` (written by `cogov "
           "calibrate`).", "",
           "## Targets", "",
           f"Mean over {reps} seeds with its 95% confidence interval; PASS when the mean "
           "lies in the target range. The figures fall in three groups: *fitted* "
           "(the calibration tuned parameters to them, so passing shows the fit worked), "
           "*held out* (nothing was fitted to them: the only evidence) and *echoes* (inputs "
           "read back). *Kind*: a cross-sectional level, a before/after pair (a reform "
           "ramp compared year on year) or a trend; only cross-sectional figures are ever "
           "fitted.", ""]
    for role in ROLES:
        rows = [r for r in results if r.check.role == role]
        missing = [m for m in skipped if m.role == role]
        if not rows and not missing:
            continue
        out += [f"### {ROLE_TITLES[role]}", "",
                "| figure | kind | scenario | outcome | model mean [95% CI] | range | result |",
                "|---|---|---|---|---|---|---|"]
        for r in rows:
            lo, hi = r.ci
            o = r.check.outcome
            where = r.check.scenario + (f" − {r.check.versus}" if r.check.versus else "")
            shown = o if r.check.window == "run" else f"{o}, {r.check.window.replace('_', ' ')}"
            out.append(f"| {r.check.key} | {r.check.kind.replace('_', ' ')} | {where} | "
                       f"`{shown}` | {fmt(r.mean, o)} [{fmt(lo, o)}, {fmt(hi, o)}] | "
                       f"{fmt(r.check.low, o)}–{fmt(r.check.high, o)} | "
                       f"{'PASS' if r.passed else '**MISS**'} |")
        for m in missing:
            out.append(f"| {m.key} | not modelled | — | — | — | — | {m.reason} |")
        out += ["", f"{sum(r.passed for r in rows)} of {len(rows)} pass.", ""]
    held, total = evidence(results)
    out += [f"**Evidence: {held} of {total} held-out checks pass.**", ""]
    out += held_out_notes(results)
    passed = sum(r.passed for r in results)
    out += ["", f"{passed} of {len(results)} checks pass.", "",
            "## The dispute funnel", "",
            "Where disputes end, by rung, in four of the bundled mixes (shares of ended "
            "disputes, mean over seeds). The Fengqiao-style county settles most disputes "
            "on the grid and escalates few, as Anji's and Huzhou's figures report "
            "(about 90% settled at township level or below).", "",
            f"![dispute funnel]({rel(img / 'validation_funnel.png')})", "",
            "## Income distribution", "",
            "Income by quintile in the default scenario against the NBS 2023 quintile "
            "means. Lognormal spread inside each group reproduces the Gini (a Gini from "
            "the five quintile means alone would be only 0.389).", "",
            f"![income by quintile]({rel(img / 'validation_income.png')})", "",
            "## What the fit hinges on", "",
            "One-at-a-time sensitivity: each calibrated parameter moved 10% down and up "
            "from its calibrated value, everything else as calibrated. *Elasticity* is the "
            "relative change of the target per relative change of the parameter.", "",
            "| parameter | calibrated value | target | at −10% | at +10% | elasticity |",
            "|---|---|---|---|---|---|"]
    by_key = {r.check.key: r.check for r in results}
    for row in sens.itertuples():
        unit = by_key[row.target].outcome if row.target in by_key else ""
        out.append(f"| `{row.parameter}` | {format_number(row.value)} | {row.target} | "
                   f"{fmt(row.at_minus, unit)} | {fmt(row.at_plus, unit)} | "
                   f"{row.elasticity:+.2f} |")
    weak = sorted(p for p, g in sens.groupby("parameter")
                  if g["elasticity"].abs().max() < 0.1)
    if weak:
        out += ["", "Weakly identified (each moves every target it was fitted to by less "
                "than 0.1% per 1% change): " + ", ".join(f"`{p}`" for p in weak) + ". The "
                "targets pin these only loosely: the calibrated value is the best of the grid "
                "searched (see `experiments/calibrate.py`), not a precise estimate."]
    out += ["", *kept_sections(path), "## What the model leaves out", "", LEAVES_OUT]
    (write_to or path).write_text("\n".join(out), encoding="utf-8")
    return path


def kept_sections(path: Path) -> list[str]:
    """The blocks between `<!-- kept -->` and `<!-- /kept -->` of the report now at
    `path` (if it is one), to be carried into the new one: a regenerated report never
    loses what was written into it on purpose."""
    if not is_report(path):
        return []
    return [m.group(0) for m in KEPT.finditer(path.read_text(encoding="utf-8"))]
