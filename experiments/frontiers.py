"""Cost-outcome frontiers (`cogov frontiers`): each mix's outcomes against its lever
spending over a range, instead of one equal-cost comparison at a single level.

Equal cost done right:

1. **Non-lead levers stay at the baseline.** A mix's *lead levers* are those it sets
   above the baseline. At a spending level, every lead lever moves from its baseline value
   towards the mix's value and beyond by one common factor s,
   `baseline + s × (mix − baseline)` (capped at 1), chosen by bisection so the levers
   cost exactly that level; every other lever keeps its baseline value (a mix never buys
   its lead by cutting, say, enforcement below the baseline). A level below the
   baseline's spending, or above what the lead levers can spend at 1, is not reachable
   and is left out (and named).
2. **Staff and volunteer time are costed** beside the lever spending the model counts
   (`spending_per_resident`: levers and cases): grid workers, county-centre and
   social-organisation staff at a yearly wage, and volunteer hours at a shadow wage
   (`UNIT_COSTS`, each with its source or marked assumed). They are an analysis of the
   runs, not a change to the model: the model's budget is unchanged.
3. **Frontiers**: the mixes × the spending levels run as one sweep (common random numbers:
   replication r has one seed at every point; stored, resumable, Dask-ready), and each
   outcome is reported against spending, per mix, with 95% intervals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.design import Experiment
from experiments.points import Factor, FactorialDesign
from experiments.stats import mean_ci
from simulation.metrics import OUTCOMES
from simulation.scenario import LEVER_PATHS, Scenario, load_scenario, scenario_dir, with_values
from simulation.scenario.paths import get_path

SPENDING = "lever_spending"  # the factor (and store column) of the spending level
MIX = "scenario"
DEFAULT_MIXES = ("self_governance", "rule_of_law", "rule_of_virtue", "smart_governance",
                 "three_governances", "four_governances")
DEFAULT_LEVELS = (28.0, 32.0, 36.0, 42.0, 50.0)  # yuan per resident-year; baseline 24.7
DEFAULT_OUTCOMES = ("resolution_rate", "escalations_per_10k", "trust", "welfare_gini")
REFERENCE = "baseline"


@dataclass(frozen=True)
class UnitCost:
    """A yearly unit cost used to cost staff and volunteer time, with its source."""

    yuan: float
    unit: str
    source: str


# Unit costs of staff and volunteer time. No seed or stored page gives grid workers' pay;
# the figures below are marked as what they are.
UNIT_COSTS: dict[str, UnitCost] = {
    "staff_wage": UnitCost(
        68_340.0, "yuan per staff member per year",
        "average wage in urban private units, China 2023 (NBS; general knowledge, verify); "
        "assumed for grid workers, centre and social-organisation staff, who are mostly "
        "contract staff paid near that level"),
    "volunteer_hour": UnitCost(
        25.0, "yuan per volunteer hour",
        "assumed: about the highest hourly minimum wage in Zhejiang, 2024 (general "
        "knowledge, verify), as the shadow price of an hour given"),
}


# ------------------------------------------------------------------ levers


def levers_of(scenario: Scenario) -> dict[str, float]:
    """Lever path -> value."""
    return {p: float(get_path(scenario, p)) for p in LEVER_PATHS}


def lever_cost(scenario: Scenario, levers: dict[str, float]) -> float:
    """Yuan per resident-year the levers cost: Σ intensity × unit cost (as the model
    counts it, simulation.levers)."""
    costs = scenario.budget.lever_costs
    return sum(v * float(getattr(costs, p.rsplit(".", 1)[1])) for p, v in levers.items())


def lead_levers(mix: Scenario, reference: Scenario) -> list[str]:
    """The levers a mix sets above the reference (its lead)."""
    a, b = levers_of(mix), levers_of(reference)
    return [p for p in LEVER_PATHS if a[p] > b[p] + 1e-12]


def at_spending(mix: Scenario, reference: Scenario, target: float
                ) -> tuple[dict[str, float], float]:
    """The mix's levers at `target` yuan per resident-year with non-lead levers at the
    reference: lead levers at reference + s × (mix − reference), capped at 1.

    Returns:
        (lever path -> value for every lever, the spending reached). The spending reached
        is below `target` when the lead levers at 1 cannot spend it, and the reference's
        when `target` is below it (s is never negative).
    """
    base, top = levers_of(reference), levers_of(mix)
    lead = lead_levers(mix, reference)

    def levers(s: float) -> dict[str, float]:
        out = dict(base)
        for p in lead:
            out[p] = min(1.0, base[p] + s * (top[p] - base[p]))
        return out

    if lever_cost(mix, levers(0.0)) >= target or not lead:
        values = levers(0.0)
        return values, lever_cost(mix, values)
    hi = 1.0
    while lever_cost(mix, levers(hi)) < target and hi < 1e6:
        hi *= 2.0
    lo = 0.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if lever_cost(mix, levers(mid)) < target:
            lo = mid
        else:
            hi = mid
    values = {p: round(v, 6) for p, v in levers(hi).items()}
    return values, lever_cost(mix, values)


# ------------------------------------------------------------------ the sweep


class FrontierExperiment(Experiment):
    """Mixes × spending levels, each point's levers solved by `at_spending`."""

    lever_values: dict[tuple[str, float], dict[str, float]]

    def parameter_values(self, point: int) -> dict[str, Any]:
        values = self.points[point]
        return dict(self.lever_values[(values[MIX], float(values[SPENDING]))])


def frontier_experiment(mixes: list[str], levels: list[float], *, replications: int,
                        steps: int | None, outcomes: tuple[str, ...], seed: int = 0,
                        overrides: dict[str, Any] | None = None,
                        reference: str = REFERENCE, name: str = "frontiers"
                        ) -> tuple[FrontierExperiment, dict[tuple[str, float], float]]:
    """The frontier study as a sweep, and the lever spending each point reaches."""
    overrides = dict(overrides or {})
    ref = load_scenario(reference)
    bases = {m: with_values(load_scenario(m), overrides) if overrides else load_scenario(m)
             for m in mixes}
    lever_values: dict[tuple[str, float], dict[str, float]] = {}
    reached: dict[tuple[str, float], float] = {}
    for m in mixes:
        for level in levels:
            lever_values[(m, float(level))], reached[(m, float(level))] = at_spending(
                bases[m], ref, float(level))
    mix = Factor(MIX, (), "scenario", levels=tuple(mixes))
    spend = Factor(SPENDING, (), "number", levels=tuple(float(x) for x in levels))
    exp = FrontierExperiment(
        name=name, file="(cogov frontiers)",
        text=f"mixes: {mixes}\nlevels: {levels}\nreference: {reference}\nreplications: "
        f"{replications}\nsteps: {steps}\nset: {overrides}\nseed: {seed}\n",
        description="Cost-outcome frontiers: each mix's outcomes against its lever "
        "spending, non-lead levers at the baseline",
        base=None, bases=bases, base_dirs={m: str(scenario_dir(m)) for m in mixes},
        overrides={**overrides, "reference": reference}, factors=(mix, spend),
        design="frontiers", samples=None, replications=replications, steps=steps,
        outcomes=tuple(dict.fromkeys((*outcomes, "spending_per_resident",
                                      "volunteer_hours"))),
        seed=seed, common_random_numbers=True, series=False,
        points=FactorialDesign((mix, spend)))
    exp.lever_values = lever_values
    return exp, reached


# ------------------------------------------------------------------ the analysis


def staff_cost(scenario: Scenario) -> float:
    """Yuan per resident-year of grid workers, county-centre and social-organisation
    staff at `UNIT_COSTS["staff_wage"]`."""
    ladder = scenario.ladder
    per_resident = (ladder.grid_workers_per_1000 / 1000
                    + ladder.county_centre_staff_per_10000 / 10_000
                    + ladder.social_organisation_staff_per_10000 / 10_000)
    return per_resident * UNIT_COSTS["staff_wage"].yuan


def frontier_table(runs: pd.DataFrame, outcomes: list[str], bases: dict[str, Scenario],
                   reached: dict[tuple[str, float], float]) -> pd.DataFrame:
    """One row per mix and spending level: the spending reached, the full cost (model
    spending + staff + volunteer time) and each outcome's mean with its 95% interval."""
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    rows = []
    for (m, level), g in ok.groupby([MIX, SPENDING], sort=False):
        got = reached.get((m, float(level)), math.nan)
        row: dict[str, Any] = {"mix": m, "lever_spending": float(level),
                               "reached": got,
                               "reachable": bool(abs(got - float(level)) < 0.01),
                               "runs": len(g)}
        volunteer = g["volunteer_hours"].to_numpy(float) * UNIT_COSTS["volunteer_hour"].yuan
        full = g["spending_per_resident"].to_numpy(float) + staff_cost(bases[m]) + volunteer
        row["full_cost"], row["full_cost_low"], row["full_cost_high"] = mean_ci(list(full))
        for o in outcomes:
            row[o], row[f"{o}_low"], row[f"{o}_high"] = mean_ci(list(g[o].to_numpy(float)))
        rows.append(row)
    return pd.DataFrame(rows)


def frontier_chart(table: pd.DataFrame, outcomes: list[str], path: Path) -> Path:
    """One panel per outcome: the outcome against lever spending, one line per mix, with
    95% intervals; only reachable levels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = table[table["reachable"]]
    n = max(1, len(outcomes))
    fig, axes = plt.subplots(1, n, figsize=(4.3 * n, 3.8), squeeze=False)
    for ax, o in zip(axes[0], outcomes, strict=False):
        for m, g in t.groupby("mix", sort=False):
            g = g.sort_values("lever_spending")
            err = np.vstack([g[o] - g[f"{o}_low"], g[f"{o}_high"] - g[o]]).clip(0)
            ax.errorbar(g["lever_spending"], g[o], yerr=err, marker="o", ms=3, capsize=2,
                        label=m)
        ax.set_xlabel("lever spending, yuan per resident-year")
        ax.set_title(o, fontsize=10)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def best_by_level(table: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """At each spending level, the mix with the best mean per outcome (reachable only)."""
    sign = {o.name: (-1.0 if o.higher_is_better is False else 1.0) for o in OUTCOMES}
    t = table[table["reachable"]]
    rows = []
    for level, g in t.groupby("lever_spending"):
        for o in outcomes:
            best = g.loc[(g[o] * sign.get(o, 1.0)).idxmax()]
            rows.append({"lever_spending": level, "outcome": o, "best": best["mix"],
                         "mean": best[o], "low": best[f"{o}_low"], "high": best[f"{o}_high"]})
    return pd.DataFrame(rows)


def html_section(table: pd.DataFrame, best: pd.DataFrame, chart_name: str,
                 unreachable: list[str]) -> str:
    """The frontiers as an HTML section."""
    from html import escape

    costs = "".join(f"<li>{escape(k)}: {v.yuan:,.0f} {escape(v.unit)} ({escape(v.source)})"
                    "</li>" for k, v in UNIT_COSTS.items())
    parts = ["<section id='frontiers'><h2>Cost-outcome frontiers</h2>",
             "<p>Each mix at several levels of lever spending, its non-lead levers at the "
             "baseline; the outcome's mean with a 95% interval. <code>full_cost</code> adds "
             "staff and volunteer time to the model's spending, at:</p><ul>" + costs
             + "</ul>", f"<img src='{escape(chart_name)}' alt='frontiers'>",
             "<h3>Best mix at each level</h3>",
             best.to_html(index=False, float_format=lambda x: f"{x:.4g}", border=0),
             "<h3>Every mix and level</h3>",
             table.to_html(index=False, float_format=lambda x: f"{x:.4g}", border=0)]
    if unreachable:
        parts.append("<p>Not reachable (left out of the chart): "
                     + escape("; ".join(unreachable)) + "</p>")
    parts.append("</section>")
    return "\n".join(parts)
