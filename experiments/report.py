"""The HTML report of `cogov analyze`: one self-contained file.

Plots are drawn with matplotlib's Agg backend and embedded as base64 PNG; there are no
scripts, fonts or styles from the network, so the file opens anywhere, offline.
"""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulation.metrics import OUTCOMES

if TYPE_CHECKING:
    from experiments.analyze import Analysis

UNITS = {o.name: o.unit for o in OUTCOMES}
MEANING = {o.name: o.meaning for o in OUTCOMES}
STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: right; }
th { background: #f4f4f4; } td.t, th:first-child { text-align: left; }
.note { background: #fff6dd; border-left: 4px solid #e0b000; padding: 0.4em 0.8em; }
.meta td { text-align: left; } img { max-width: 100%; } code, pre { font-size: 12.5px; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; }
"""


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return ('<img alt="plot" src="data:image/png;base64,'
            + base64.b64encode(buf.getvalue()).decode("ascii") + '">')


def _table(df: pd.DataFrame, digits: int = 4) -> str:
    def cell(v) -> str:
        if isinstance(v, bool | np.bool_):
            return f"<td>{'yes' if v else 'no'}</td>"
        if isinstance(v, float | np.floating):
            text = "—" if not math.isfinite(v) else f"{v:.{digits}g}"
            return f"<td>{text}</td>"
        if isinstance(v, int | np.integer):
            return f"<td>{v}</td>"
        return f"<td class='t'>{html.escape(str(v))}</td>"

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f"<table><tr>{head}</tr>{body}</table>"


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# ------------------------------------------------------------------ figures


def main_effects_figure(me: pd.DataFrame, outcome: str, factors: list[str]) -> str:
    plt = _plt()
    cols = min(4, len(factors))
    rows = math.ceil(len(factors) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), sharey=True,
                             squeeze=False)
    for ax, f in zip(axes.flat, factors, strict=False):
        d = me[(me.factor == f) & (me.outcome == outcome)]
        numeric = d.x.notna().all() and len(d)
        xs = d.x.to_numpy(float) if numeric else np.arange(len(d))
        err = np.vstack([d["mean"] - d.ci_low, d.ci_high - d["mean"]]).clip(0)
        err = np.nan_to_num(err)
        ax.errorbar(xs, d["mean"], yerr=err, marker="o", capsize=3, lw=1.5)
        if not numeric:
            ax.set_xticks(xs, d.level, rotation=30, ha="right", fontsize=8)
        ax.set_title(f, fontsize=9)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(factors):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(f"{outcome}\n({UNITS.get(outcome, '')})", fontsize=9)
    fig.suptitle(f"Main effects on {outcome}: mean and 95% interval", fontsize=11)
    fig.tight_layout()
    return _png(fig)


def sobol_figure(sobol: pd.DataFrame, outcome: str) -> str:
    plt = _plt()
    d = sobol[sobol.outcome == outcome].sort_values("ST")
    y = np.arange(len(d))
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(d) + 1.2))
    for off, key, label in ((-0.18, "S1", "first order S1"), (0.18, "ST", "total ST")):
        err = np.vstack([d[key] - d[f"{key}_low"], d[f"{key}_high"] - d[key]]).clip(0)
        ax.barh(y + off, d[key], height=0.34, xerr=err, capsize=2, label=label)
    ax.set_yticks(y, d.factor, fontsize=8)
    ax.axvline(0, color="k", lw=0.6)
    ax.set_xlabel("Sobol index (share of variance), 95% bootstrap interval")
    ax.set_title(f"Sensitivity of {outcome}", fontsize=11)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return _png(fig)


def morris_figure(m: pd.DataFrame, outcome: str, top: int = 15) -> str:
    """μ* against σ for one outcome, the `top` factors by μ* labelled."""
    plt = _plt()
    d = m[m.outcome == outcome]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.scatter(d.mu_star, d.sigma, s=14, color="#2166ac")
    for r in d.nlargest(top, "mu_star").itertuples():
        ax.annotate(r.factor, (r.mu_star, r.sigma), fontsize=6, xytext=(3, 2),
                    textcoords="offset points")
    ax.set_xlabel("μ* (mean |elementary effect|)")
    ax.set_ylabel("σ (spread of the effects)")
    ax.set_title(f"Morris screening of {outcome}", fontsize=11)
    fig.tight_layout()
    return _png(fig)


def interactions_figure(inter: pd.DataFrame) -> str:
    plt = _plt()
    outcomes = list(dict.fromkeys(inter.outcome))
    factors = list(dict.fromkeys([*inter.factor_a, *inter.factor_b]))
    cols = min(3, len(outcomes))
    rows = math.ceil(len(outcomes) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.6 * rows), squeeze=False)
    for ax, o in zip(axes.flat, outcomes, strict=False):
        d = inter[inter.outcome == o]
        n = len(factors)
        mat = np.full((n, n), np.nan)
        star = np.zeros((n, n), dtype=bool)
        held = np.zeros((n, n), dtype=bool)
        for r in d.itertuples():
            i, j = factors.index(r.factor_a), factors.index(r.factor_b)
            mat[i, j] = mat[j, i] = r.interaction
            star[i, j] = star[j, i] = r.ci_low > 0 or r.ci_high < 0
            if getattr(r, "holds_after_correction", False):
                held[i, j] = held[j, i] = True
        lim = np.nanmax(np.abs(mat)) or 1.0
        im = ax.imshow(mat, cmap="RdBu_r", vmin=-lim, vmax=lim)
        short = [f.split(".")[-1] for f in factors]
        ax.set_xticks(range(n), short, rotation=35, ha="right", fontsize=8)
        ax.set_yticks(range(n), short, fontsize=8)
        for i in range(n):
            for j in range(n):
                if math.isfinite(mat[i, j]):
                    mark = "**" if held[i, j] else "*" if star[i, j] else ""
                    ax.text(j, i, f"{mat[i, j]:.2g}{mark}",
                            ha="center", va="center", fontsize=7)
        ax.set_title(o, fontsize=10)
        fig.colorbar(im, ax=ax, shrink=0.75)
    for ax in list(axes.flat)[len(outcomes):]:
        ax.set_visible(False)
    fig.suptitle("Pairwise interaction y(++) - y(+-) - y(-+) + y(--); * : 95% interval "
                 "excludes 0; ** : also after Holm's correction for every test", fontsize=10)
    fig.tight_layout()
    return _png(fig)


def interaction_lines_figure(pm: pd.DataFrame, pairs: list[tuple[str, str]],
                             outcomes: list[str]) -> str:
    """Classic interaction plots: the outcome against lever A, one line per level of lever B
    (averaged over the other factors). Parallel lines: no interaction."""
    plt = _plt()
    cells = [(a, b, o) for o in outcomes for a, b in pairs]
    cols = min(3, len(cells))
    rows = math.ceil(len(cells) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.8 * rows), squeeze=False)
    for ax, (a, b, o) in zip(axes.flat, cells, strict=False):
        d = pm[pm.outcome == o].groupby([a, b], sort=True)["mean"].mean().reset_index()
        for lev in sorted(d[b].unique()):
            s = d[d[b] == lev]
            ax.plot(s[a], s["mean"], marker="o", label=f"{b.split('.')[-1]} = {lev:g}")
        ax.set_xlabel(a.split(".")[-1], fontsize=8)
        ax.set_title(o, fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(cells):]:
        ax.set_visible(False)
    fig.suptitle("Interaction plots (mean over runs; parallel lines = no interaction)",
                 fontsize=10)
    fig.tight_layout()
    return _png(fig)


def best_figure(pm: pd.DataFrame, cat: str, others: list[str], outcome: str) -> str:
    plt = _plt()
    d = pm[pm.outcome == outcome].copy()
    d["given"] = (d[others].astype(str).agg(", ".join, axis=1) if others else "all")
    groups = list(dict.fromkeys(d["given"]))
    levels = list(dict.fromkeys(d[cat]))
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(groups) * len(levels) / 3), 3.4))
    width = 0.8 / len(levels)
    for k, lev in enumerate(levels):
        s = d[d[cat] == lev].set_index("given").reindex(groups)
        err = np.nan_to_num(np.vstack([s["mean"] - s.ci_low, s.ci_high - s["mean"]]).clip(0))
        ax.bar(np.arange(len(groups)) + k * width - 0.4 + width / 2, s["mean"], width,
               yerr=err, capsize=2, label=str(lev))
    ax.set_xticks(range(len(groups)), groups, fontsize=8)
    ax.set_xlabel(", ".join(others) if others else "")
    ax.set_ylabel(f"{outcome} ({UNITS.get(outcome, '')})", fontsize=9)
    ax.legend(fontsize=7, ncol=2)
    ax.set_title(f"{outcome} by {cat}", fontsize=11)
    fig.tight_layout()
    return _png(fig)


# ------------------------------------------------------------------ page


def write_sweep_report(a: Analysis, path: Path) -> Path:
    """Write the sweep's self-contained HTML report (figures inlined as PNG) at `path`.

    Returns:
        `path`.
    """
    s = a.study
    exp, d = s.experiment, s.definition
    factors = [f["name"] for f in s.factors]
    parts: list[str] = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(exp['name'])}: sweep report</title><style>{STYLE}</style>"
        "</head><body>",
        f"<h1>{html.escape(exp['name'])}: sweep report</h1>",
    ]
    if exp.get("description"):
        parts.append(f"<p>{html.escape(exp['description'])}</p>")
    failed = int((s.runs.status != "ok").sum())
    versions = ", ".join(sorted(map(str, s.ok.cogov_version.dropna().unique())))
    meta = [
        ("store", str(s.store)), ("experiment file", exp["file"]),
        ("definition hash", exp["definition_hash"]),
        ("design", f"{exp['design']}" + (f", {d['samples']} samples" if d.get("samples")
                                         else "")),
        ("design points × replications", f"{exp['n_points']:,} × {exp['replications']}"),
        ("runs ok / failed / planned", f"{len(s.ok):,} / {failed:,} / {exp['n_runs']:,}"),
        ("steps (weeks)", str(d.get("steps") or "each scenario's run.steps")),
        ("experiment seed", str(exp["seed"])),
        ("common random numbers", "yes: replication r uses the same seed at every point"
         if d.get("common_random_numbers", True) else "no: every run has its own seed"),
        ("base scenario", str(d.get("base") or "the scenario factor's levels")),
        # the file's `set:` and any `cogov sweep --set` on top of it
        ("set in every run", ", ".join(f"{k} = {v}" for k, v in (d.get("set") or {}).items())
         or "nothing"),
        ("cogov version of the runs", versions), ("created (UTC)", str(exp["created"])),
    ]
    parts.append("<table class='meta'>" + "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in meta)
        + "</table>")
    for note in s.notes:
        parts.append(f"<p class='note'>{html.escape(note)}</p>")
    parts.append("<h2>Factors</h2>")
    parts.append(_table(pd.DataFrame([{
        "factor": f["name"], "parameters": ", ".join(f.get("parameters") or ["(scenario)"]),
        "values": (", ".join(map(str, f["levels"])) if f.get("levels") is not None
                   else f"{f['low']:g} to {f['high']:g}")} for f in s.factors])))
    parts.append("<h2>Outcomes</h2>")
    parts.append(_table(pd.DataFrame([{"outcome": o, "meaning": MEANING.get(o, "count"),
                                       "unit": UNITS.get(o, "")} for o in s.outcomes])))

    if a.sobol is not None and not a.sobol.empty:
        parts.append("<h2>Sobol sensitivity indices</h2><p>First-order S1: the share of the "
                     "outcome's variance due to the factor alone; total ST: including all its "
                     "interactions. Estimated by SALib on the mean over replications at each "
                     "design point; 95% bootstrap intervals. ST much larger than S1 means the "
                     "factor works through interactions.</p>")
        for o in dict.fromkeys(a.sobol.outcome):
            parts.append(sobol_figure(a.sobol, o))
        parts.append(_table(a.sobol.drop(columns=["points"]), 3))

    if a.morris is not None and not a.morris.empty:
        parts.append("<h2>Morris screening</h2><p>μ*: the mean absolute elementary effect "
                     "of a factor (the outcome's change for one grid step of the factor, "
                     "other factors held), a measure of its overall influence, with a 95% "
                     "bootstrap interval; μ: the signed mean; σ: the spread of the effects "
                     "(large σ: non-linear or interacting). Factors with small μ* can be "
                     "fixed before a Sobol study. Computed by SALib on the mean over "
                     "replications at each design point.</p>")
        for o in dict.fromkeys(a.morris.outcome):
            parts.append(morris_figure(a.morris, o))
        parts.append(_table(a.morris.drop(columns=["trajectories"]), 3))

    if a.interactions is not None and not a.interactions.empty:
        parts.append("<h2>Interactions of the levers: complements or substitutes?</h2><p>From "
                     "a least-squares fit per outcome of the run results on the coded factors "
                     "(lowest level -1, highest +1), their pairwise products"
                     + (" and a block per replication (common random numbers)"
                        if d.get("common_random_numbers", True) else "")
                     + ". <code>interaction</code> is y(++) − y(+−) − y(−+) + y(−−): what "
                     "raising both levers together adds beyond the sum of raising each "
                     "alone. <code>effect_a</code>, <code>effect_b</code> are the main effects "
                     "(high − low). In an outcome's good direction a clear positive "
                     "interaction makes the levers complements, a negative one "
                     "substitutes. Every pair is tested on every outcome, so about one "
                     "test in twenty is clear at 95% by chance alone: "
                     "<code>p_holm</code> is the p-value adjusted for the whole family "
                     "(Holm 1979), and <code>holds_after_correction</code> says whether "
                     "it stays below 0.05.</p>")
        pairs = list(dict.fromkeys(zip(a.interactions.factor_a, a.interactions.factor_b,
                                       strict=True)))
        if len(pairs) <= 2:
            parts.append(interaction_lines_figure(a.point_means, pairs,
                                                  list(dict.fromkeys(a.interactions.outcome))))
        else:
            parts.append(interactions_figure(a.interactions))
        parts.append(_table(a.interactions, 3))

    if a.best is not None and not a.best.empty:
        parts.append("<h2>Best level</h2><p>For each combination of the other factors, the "
                     "level with the best mean (direction per outcome), and its difference "
                     "from the runner-up"
                     + (", paired by replication" if d.get("common_random_numbers", True)
                        else "") + " with a 95% interval. <code>clear</code>: the interval "
                     "excludes 0.</p>")
        parts.append(_table(a.best, 3))
        for f in s.factors:
            if f["kind"] in ("choice", "scenario"):
                others = [g for g in factors if g != f["name"]]
                for o in dict.fromkeys(a.best.outcome):
                    parts.append(best_figure(a.point_means, f["name"], others, o))

    parts.append("<h2>Main effects</h2><p>Mean of each outcome over the runs at each level "
                 "of a factor (averaged over the other factors), with a 95% t interval."
                 + (" Ranges sampled continuously are shown in five equal bins."
                    if s.design in ("latin_hypercube", "sobol", "morris") else "")
                 + (" One-at-a-time: each factor's runs plus the baseline point."
                    if s.design == "one_at_a_time" else "") + "</p>")
    for o in s.outcomes:
        parts.append(main_effects_figure(a.main_effects, o, factors))
    wide = a.main_effects.assign(
        cell=[("—" if not math.isfinite(m) else f"{m:.4g}"
               + (f" [{lo:.3g}, {hi:.3g}]" if math.isfinite(lo) else ""))
              for m, lo, hi in zip(a.main_effects["mean"], a.main_effects.ci_low,
                                   a.main_effects.ci_high, strict=True)])
    wide = wide.pivot_table(index=["factor", "level"], columns="outcome", values="cell",
                            aggfunc="first", sort=False).reset_index()
    parts.append(_table(wide))

    if failed:
        errs = s.runs[s.runs.status != "ok"][["run_id", "error"]].head(50)
        parts.append(f"<h2>Failed runs ({failed:,})</h2>")
        parts.append(_table(errs))
    parts.append("<h2>Experiment file</h2><pre>" + html.escape(exp["text"]) + "</pre>")
    parts.append(f"<h2>Querying the results</h2><pre>duckdb {html.escape(str(s.store))}\n"
                 "SELECT * FROM runs WHERE status = 'ok' LIMIT 10;</pre>"
                 "<p>Tables: <code>experiment</code>, <code>points</code>, <code>runs</code>; "
                 "the CSV files beside this report hold every table shown here.</p>")
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
