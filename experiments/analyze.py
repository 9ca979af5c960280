"""`cogov analyze`: what a sweep found, as tables (CSV) and a self-contained HTML report.

From the runs stored with status 'ok':

  main_effects.csv  per factor and level (ranges sampled by latin_hypercube or sobol: five
                    equal bins), the mean outcome over runs with its 95% interval.
  point_means.csv   per design point, the mean outcome over replications with its interval.
  sobol.csv         (sobol designs) first-order and total Sobol indices with 95% bootstrap
                    intervals, SALib's Saltelli/Jansen estimators, on the point means.
  interactions.csv  (full factorial designs, two or more numeric factors) the pairwise
                    interaction of the levers from one least-squares fit per outcome:
                        y = b0 + sum_i b_i x_i + sum_{i<j} b_ij x_i x_j (+ blocks)
                    with each factor coded -1 (lowest level) .. +1 (highest level), plus
                    dummies for categorical factors and, under common random numbers, for
                    the replication (each replication is a block sharing its seed).
                    `interaction` = 4 b_ij = y(++) - y(+-) - y(-+) + y(--): how much more
                    raising both levers together does than the sum of raising each alone.
                    Its interval is the coefficient's t interval (classical OLS standard
                    errors; numpy least squares). In the good direction of the outcome, a
                    positive interaction makes the levers complements, a negative one
                    substitutes; an interval that covers 0 means no clear interaction.
                    p_holm / holds_after_correction: Holm's correction over every pair
                    on every outcome. Under common random numbers the same interaction
                    is also tested replication by replication (`by_replication`: each
                    replication's own contrast, the error from their spread):
                    ci_low_by_replication, ci_high_by_replication, p_by_replication,
                    p_holm_by_replication, holds_by_replication.
  ols_terms.csv     every coefficient of those fits.
  best_levels.csv   (a categorical factor such as `scenario`) for each combination of the
                    other factors, the best level per outcome and its difference from the
                    runner-up, paired by replication under common random numbers.
  runs.csv          every run, failed ones included.
  report.html       all of it with plots, one file, images embedded (no network needed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sstats

from experiments.design import design_seed
from experiments.stats import holm, mean_ci, t_test_p
from experiments.store import StoreError, read_store
from simulation.metrics import OUTCOMES
from simulation.numbers import format_number

DIRECTION = {o.name: o.higher_is_better for o in OUTCOMES}
BINS = 5


@dataclass
class Study:
    """A store's contents, ready for analysis."""

    store: Path
    experiment: dict[str, Any]
    definition: dict[str, Any]
    runs: pd.DataFrame  # every run
    points: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> pd.DataFrame:
        """The runs stored with status 'ok' (failed runs are left out of every result)."""
        return self.runs[self.runs.status == "ok"]

    @property
    def factors(self) -> list[dict[str, Any]]:
        """The experiment's factors, as stored in its definition."""
        return self.definition["factors"]

    @property
    def outcomes(self) -> list[str]:
        """The outcomes kept, in the experiment's order."""
        return [o for o in self.definition["outcomes"] if o in self.runs.columns]

    @property
    def design(self) -> str:
        """The design's name (full_factorial, one_at_a_time, latin_hypercube, sobol)."""
        return self.definition["design"]

    def numeric(self, f: dict[str, Any]) -> bool:
        """Does factor `f` take numbers (so its levels can be plotted on an axis)?"""
        return f["kind"] in ("number", "integer")


def load_study(path: str | Path) -> Study:
    """Read a sweep's store for analysis.

    A sweep that is not complete is analysed with the runs there are, and the study says
    so in a note.

    Args:
        path: the DuckDB store written by `cogov sweep`.

    Raises:
        StoreError: the file is not a sweep's store, or cannot be read.
    """
    experiment, runs, points = read_store(path)
    study = Study(Path(path), experiment, experiment["definition"], runs, points)
    total = int(experiment["n_runs"])
    ok = len(study.ok)
    failed = int((runs.status != "ok").sum())
    if ok < total:
        study.notes.append(f"{ok:,} of {total:,} runs are stored ok"
                           + (f" ({failed:,} failed)" if failed else "")
                           + "; run the sweep again to complete it. Results below use the "
                           "runs there are.")
    return study


# ------------------------------------------------------------------ main effects


def _level_key(study: Study, f: dict[str, Any]) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """(level label, level value for plotting, rows) of each ok run for one factor."""
    runs = study.ok
    name = f["name"]
    if study.design == "one_at_a_time":
        varied = runs.merge(study.points[["point", "varied"]], on="point", how="left")
        keep = (varied["varied"].isna() | (varied["varied"] == name)).to_numpy()
        runs = runs[keep]
    values = runs[name]
    if f.get("levels") is None and study.design in ("latin_hypercube", "sobol", "morris"):
        lo, hi = float(f["low"]), float(f["high"])
        edges = np.linspace(lo, hi, BINS + 1)
        idx = np.clip(np.searchsorted(edges, values.to_numpy(float), side="right") - 1, 0,
                      BINS - 1)
        mids = (edges[:-1] + edges[1:]) / 2
        labels = [f"{edges[i]:.3g}–{edges[i + 1]:.3g}" for i in range(BINS)]
        return (pd.Series([labels[i] for i in idx], index=runs.index),
                pd.Series(mids[idx], index=runs.index), runs)
    label = values.map(_fmt)
    plot = values if study.numeric(f) else pd.Series(np.nan, index=runs.index)
    return label, plot, runs


def main_effects(study: Study) -> pd.DataFrame:
    """Each outcome's mean and 95% interval at each level of each factor.

    Every ok run counts at its factor's level (in a one-at-a-time design, only the runs
    that vary that factor and the base point); a sampled factor's range is cut into
    equal bins.

    Returns:
        One row per (factor, level, outcome): x (the level's value, for plotting), n,
        mean, ci_low, ci_high.
    """
    rows = []
    for f in study.factors:
        label, plot, runs = _level_key(study, f)
        order = _level_order(f, label, plot)
        for lab in order:
            sel = runs[label == lab]
            x = float(plot[label == lab].iloc[0]) if len(sel) else math.nan
            for o in study.outcomes:
                v = sel[o].to_numpy(float)
                m, lo, hi = mean_ci(v)
                rows.append({"factor": f["name"], "level": lab, "x": x, "outcome": o,
                             "n": int(np.isfinite(v).sum()), "mean": m, "ci_low": lo,
                             "ci_high": hi})
    return pd.DataFrame(rows, columns=["factor", "level", "x", "outcome", "n", "mean",
                                       "ci_low", "ci_high"])


def _level_order(f: dict[str, Any], label: pd.Series, plot: pd.Series) -> list[str]:
    """Numbers in increasing order; named levels as the file lists them (then any others,
    such as a one-at-a-time base value)."""
    frame = pd.DataFrame({"label": label, "x": plot}).drop_duplicates("label")
    if frame.x.notna().all():
        return list(frame.sort_values("x", kind="stable").label)
    wanted = [str(v) for v in f.get("levels") or []]
    return ([w for w in wanted if (label == w).any()]
            + [v for v in frame.label if v not in wanted])


# ------------------------------------------------------------------ point means


def point_means(study: Study) -> pd.DataFrame:
    """Each outcome's mean and 95% interval over the replications of each design point.

    Returns:
        One row per (point, outcome), with the point's factor values, n, mean, ci_low and
        ci_high.
    """
    names = [f["name"] for f in study.factors]
    rows = []
    for point, group in study.ok.groupby("point", sort=True):
        first = group.iloc[0]
        for o in study.outcomes:
            v = group[o].to_numpy(float)
            m, lo, hi = mean_ci(v)
            rows.append({"point": int(point), **{n: first[n] for n in names}, "outcome": o,
                         "n": int(np.isfinite(v).sum()), "mean": m, "ci_low": lo,
                         "ci_high": hi})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ Sobol


def sobol_indices(study: Study) -> pd.DataFrame | None:
    """First-order and total indices per factor and outcome (sobol designs only)."""
    if study.design != "sobol":
        return None
    from SALib.analyze import sobol

    problem = study.definition["salib_problem"]
    n_points = int(study.definition["n_points"])
    means = study.ok.groupby("point")[study.outcomes].mean()
    rows = []
    for o in study.outcomes:
        y = means[o].reindex(range(n_points)).to_numpy(float)
        missing = int((~np.isfinite(y)).sum())
        if missing:
            study.notes.append(f"Sobol indices of {o} skipped: {missing:,} of {n_points:,} "
                               "design points have no finite value (missing runs, or the "
                               "outcome is undefined there)")
            continue
        if np.std(y) == 0:
            study.notes.append(f"Sobol indices of {o} skipped: it does not vary")
            continue
        seed = design_seed(int(study.definition["seed"])) or 1
        si = sobol.analyze(problem, y, calc_second_order=False, conf_level=0.95,
                           num_resamples=1000, seed=seed)
        for i, name in enumerate(problem["names"]):
            s1, s1c, st, stc = (float(si["S1"][i]), float(si["S1_conf"][i]),
                                float(si["ST"][i]), float(si["ST_conf"][i]))
            rows.append({"factor": name, "outcome": o, "S1": s1, "S1_low": s1 - s1c,
                         "S1_high": s1 + s1c, "ST": st, "ST_low": st - stc,
                         "ST_high": st + stc, "points": n_points})
    return pd.DataFrame(rows, columns=["factor", "outcome", "S1", "S1_low", "S1_high", "ST",
                                       "ST_low", "ST_high", "points"])


# ------------------------------------------------------------------ Morris


def morris_indices(study: Study) -> pd.DataFrame | None:
    """Morris screening per factor and outcome (morris designs only): μ* (the mean absolute
    elementary effect: overall influence) with its 95% bootstrap interval, μ (its signed
    mean) and σ (their spread: non-linearity or interactions), from SALib's
    `morris.analyze` on each design point's mean over replications. The design matrix is
    drawn again from the experiment's seed (the stored values of whole-number factors are
    rounded; the elementary effects use the unrounded steps)."""
    if study.design != "morris":
        return None
    from SALib.analyze import morris

    from experiments.points import MORRIS_LEVELS, Factor, morris_matrix

    d = study.definition
    problem = d["salib_problem"]
    factors = tuple(Factor(f["name"], tuple(f.get("parameters") or ()), f["kind"],
                           low=f.get("low"), high=f.get("high")) for f in study.factors)
    x = morris_matrix(factors, int(d["samples"]), design_seed(int(d["seed"])))
    n_points = len(x)
    means = study.ok.groupby("point")[study.outcomes].mean()
    rows = []
    for o in study.outcomes:
        y = means[o].reindex(range(n_points)).to_numpy(float)
        missing = int((~np.isfinite(y)).sum())
        if missing:
            study.notes.append(f"Morris indices of {o} skipped: {missing:,} of {n_points:,} "
                               "design points have no finite value (missing runs, or the "
                               "outcome is undefined there)")
            continue
        si = morris.analyze(problem, x, y, num_levels=MORRIS_LEVELS, conf_level=0.95,
                            num_resamples=1000, seed=design_seed(int(d["seed"])) or 1)
        for i, name in enumerate(problem["names"]):
            mu_star, conf = float(si["mu_star"][i]), float(si["mu_star_conf"][i])
            rows.append({"factor": name, "outcome": o, "mu_star": mu_star,
                         "mu_star_low": mu_star - conf, "mu_star_high": mu_star + conf,
                         "mu": float(si["mu"][i]), "sigma": float(si["sigma"][i]),
                         "trajectories": int(d["samples"])})
    table = pd.DataFrame(rows, columns=["factor", "outcome", "mu_star", "mu_star_low",
                                        "mu_star_high", "mu", "sigma", "trajectories"])
    return table.sort_values(["outcome", "mu_star"], ascending=[True, False],
                             kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------ interactions


def _coded(values: pd.Series) -> np.ndarray:
    v = values.to_numpy(float)
    lo, hi = np.nanmin(v), np.nanmax(v)
    return (2 * (v - lo) / (hi - lo) - 1) if hi > lo else np.zeros_like(v)


def interaction_fits(study: Study) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(pairwise interactions, every OLS term) for full factorial designs."""
    if study.design != "full_factorial":
        return None
    numeric = [f["name"] for f in study.factors if study.numeric(f)
               and len(f.get("levels") or [0, 0]) >= 2]
    categorical = [f["name"] for f in study.factors if not study.numeric(f)]
    if len(numeric) < 2:
        return None
    runs = study.ok
    crn = bool(study.definition.get("common_random_numbers", True))
    pairs = [(a, b) for i, a in enumerate(numeric) for b in numeric[i + 1:]]
    inter_rows, term_rows = [], []
    for o in study.outcomes:
        data = runs[np.isfinite(runs[o].to_numpy(float))]
        if data.empty:
            study.notes.append(f"interactions of {o} skipped: no run has a value of it")
            continue
        cols: dict[str, np.ndarray] = {"intercept": np.ones(len(data))}
        x = {n: _coded(data[n]) for n in numeric}
        cols.update(x)
        for a, b in pairs:
            cols[f"{a} × {b}"] = x[a] * x[b]
        for c in categorical:  # main effects only, to absorb their variance
            for lev in sorted(data[c].astype(str).unique())[1:]:
                cols[f"{c}={lev}"] = (data[c].astype(str) == lev).to_numpy(float)
        if crn and study.definition["replications"] > 1:
            for r in sorted(data.replication.unique())[1:]:
                cols[f"replication={r}"] = (data.replication == r).to_numpy(float)
        X = np.column_stack(list(cols.values()))
        y = data[o].to_numpy(float)
        fit = ols(X, y)
        if fit is None:
            study.notes.append(f"interactions of {o} skipped: too few runs for the fit "
                               f"({len(y)} runs, {X.shape[1]} terms)")
            continue
        coef, se, dof = fit
        t = sstats.t.ppf(0.975, dof)
        for name, b, s in zip(cols, coef, se, strict=True):
            if name.startswith("replication="):
                continue
            p = 2 * sstats.t.sf(abs(b / s), dof) if s > 0 else math.nan
            term_rows.append({"outcome": o, "term": name, "coefficient": b, "se": s,
                              "ci_low": b - t * s, "ci_high": b + t * s, "p_value": p,
                              "n": len(y)})
        names = list(cols)
        for a, b in pairs:
            k = names.index(f"{a} × {b}")
            eff, s = 4 * coef[k], 4 * se[k]
            lo, hi = eff - t * s, eff + t * s
            p = 2 * sstats.t.sf(abs(eff / s), dof) if s > 0 else math.nan
            inter_rows.append({
                "outcome": o, "factor_a": a, "factor_b": b, "interaction": eff,
                "ci_low": lo, "ci_high": hi, "p_value": p, "n": len(y),
                "effect_a": 2 * coef[names.index(a)], "effect_b": 2 * coef[names.index(b)],
                "verdict": verdict(o, eff, lo, hi),
                **(by_replication(runs, a, b, o) if crn else _NO_REPLICATION_TEST)})
    inter = pd.DataFrame(inter_rows)
    if not inter.empty:
        # Many pairs and outcomes are tested at once: about one in twenty of them comes
        # out "clear" at 95% by chance alone, so each also says whether it holds after
        # Holm's correction for the whole family (every pair on every outcome).
        inter["p_holm"] = holm(inter.p_value.to_numpy(float))
        inter["holds_after_correction"] = inter.p_holm < 0.05
        clear = int((~inter.verdict.str.startswith("no clear")).sum())
        study.notes.append(
            f"{clear} of the {len(inter)} interactions are clear at 95% (about "
            f"{0.05 * len(inter):.1f} would be by chance alone); "
            f"{int(inter.holds_after_correction.sum())} hold after Holm's correction for "
            f"the {len(inter)} tests (holds_after_correction)")
        # The same family tested replication by replication (`by_replication`).
        inter["p_holm_by_replication"] = holm(inter.p_by_replication.to_numpy(float))
        inter["holds_by_replication"] = inter.p_holm_by_replication < 0.05
        tested = int(inter.p_by_replication.notna().sum())
        if tested:
            clear_r = int(((inter.ci_low_by_replication > 0)
                           | (inter.ci_high_by_replication < 0)).sum())
            study.notes.append(
                f"tested replication by replication (each replication's own contrast; the "
                f"error from their spread, not the fit's residuals): {clear_r} of {tested} "
                f"clear at 95%, {int(inter.holds_by_replication.sum())} hold after Holm's "
                f"correction (ci_low_by_replication, ci_high_by_replication, "
                f"p_by_replication, holds_by_replication)")
    return inter, pd.DataFrame(term_rows)


def replication_interactions(runs: pd.DataFrame, a: str, b: str, outcome: str) -> pd.Series:
    """The a × b interaction on `outcome` of each replication of a two-level factorial.

    Args:
        runs: the runs of one store (status 'ok'), with columns a, b (the factors' levels),
            `replication` and `outcome`.

    Returns:
        y(++) - y(+-) - y(-+) + y(--) per replication (index: replication), each y the mean
        of the replication's runs with a and b at those levels (high = the larger level).

    Raises:
        ValueError: a replication lacks a cell of the 2 x 2 or a factor has not two levels.
    """
    for f in (a, b):
        if runs[f].nunique() != 2:
            raise ValueError(f"factor {f} has {runs[f].nunique()} levels, not 2")
    if not np.isfinite(runs[outcome].to_numpy(float)).all():
        # A missing run would leave its cell's mean to the others: the contrasts would no
        # longer average to the fitted interaction.
        raise ValueError(f"a run has no value of {outcome}")
    high_a = runs[a] == runs[a].max()
    high_b = runs[b] == runs[b].max()
    cells = runs.assign(high_a=high_a, high_b=high_b)
    means = cells.groupby(["replication", "high_a", "high_b"])[outcome].mean().unstack(
        ["high_a", "high_b"])
    if means.shape[1] != 4 or means.isna().any().any():
        raise ValueError("a replication lacks runs at some levels of the two factors")
    return (means[(True, True)] - means[(True, False)] - means[(False, True)]
            + means[(False, False)])


_NO_REPLICATION_TEST = {"ci_low_by_replication": math.nan, "ci_high_by_replication": math.nan,
                        "p_by_replication": math.nan}


def by_replication(runs: pd.DataFrame, a: str, b: str, outcome: str) -> dict[str, float]:
    """The a × b interaction tested replication by replication: each replication's own
    contrast (`replication_interactions`), whose mean over the replications is the fitted
    interaction, with the 95% t interval and t-test p over those contrasts.

    Under common random numbers replication r runs every design point under one seed, so
    its contrast is a paired comparison, and the spread between replications is the
    error (R − 1 degrees of freedom), whatever the higher-order terms and however the
    runs of one replication are correlated. The fit takes its error from its residuals
    instead, with more degrees of freedom; with few replications this test is the more
    cautious. NaN where it cannot be made: a run without a value of the outcome, fewer
    than two replications with every cell of the 2 × 2, or a factor with other than two
    levels.
    """
    try:
        contrasts = replication_interactions(runs, a, b, outcome)
    except ValueError:
        return dict(_NO_REPLICATION_TEST)
    if len(contrasts) < 2:
        return dict(_NO_REPLICATION_TEST)
    _, lo, hi = mean_ci(contrasts.to_numpy(float))
    return {"ci_low_by_replication": lo, "ci_high_by_replication": hi,
            "p_by_replication": t_test_p(contrasts.to_numpy(float))}


def ols(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, int] | None:
    """Least-squares coefficients, their classical standard errors and the residual dof."""
    n, k = X.shape
    rank = np.linalg.matrix_rank(X)
    if n <= rank or rank < k:
        return None
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    dof = n - k
    sigma2 = float(resid @ resid) / dof
    cov = sigma2 * np.linalg.inv(X.T @ X)
    return coef, np.sqrt(np.clip(np.diag(cov), 0, None)), dof


def verdict(outcome: str, effect: float, lo: float, hi: float) -> str:
    """An interaction in words: additive when its 95% interval [lo, hi] holds zero;
    otherwise complements when it moves the outcome the good way (DIRECTION), substitutes
    when the bad way, or just its sign for an outcome with no good direction."""
    if not (lo > 0 or hi < 0):
        return "no clear interaction (additive)"
    good = DIRECTION.get(outcome)
    if good is None:
        return "positive interaction" if effect > 0 else "negative interaction"
    helps = (effect > 0) == good
    return ("complements (together better than the sum of each)" if helps
            else "substitutes (together worse than the sum of each)")


# ------------------------------------------------------------------ best levels


def best_levels(study: Study) -> pd.DataFrame | None:
    """For each categorical factor: the best level per outcome within each combination of
    the other factors' levels (designs with levels only)."""
    cats = [f for f in study.factors if not study.numeric(f)]
    if not cats or study.design not in ("full_factorial", "one_at_a_time"):
        return None
    runs = study.ok
    crn = bool(study.definition.get("common_random_numbers", True))
    rows = []
    for f in cats:
        c = f["name"]
        others = [g["name"] for g in study.factors if g["name"] != c]
        groups = runs.groupby(others, sort=True) if others else [((), runs)]
        for key, group in groups:
            key = key if isinstance(key, tuple) else (key,)
            where = ", ".join(f"{n}={_fmt(v)}" for n, v in zip(others, key, strict=True))
            for o in study.outcomes:
                good = DIRECTION.get(o)
                if good is None:
                    continue
                stats_ = []
                for lev, g in group.groupby(c, sort=False):
                    m, lo, hi = mean_ci(g[o].to_numpy(float))
                    if math.isfinite(m):
                        stats_.append((lev, m, lo, hi, g))
                if len(stats_) < 2:
                    continue
                stats_.sort(key=lambda s: s[1], reverse=good)
                (b, bm, blo, bhi, bg), (r, rm, _, _, rg) = stats_[0], stats_[1]
                d, dlo, dhi = _difference(bg, rg, o, paired=crn)
                clear = math.isfinite(dlo) and (dlo > 0 or dhi < 0)
                rows.append({"factor": c, "given": where or "—", "outcome": o,
                             "better": "higher" if good else "lower", "best": b,
                             "mean": bm, "ci_low": blo, "ci_high": bhi, "runner_up": r,
                             "runner_up_mean": rm, "difference": d, "diff_ci_low": dlo,
                             "diff_ci_high": dhi, "clear": clear})
    return pd.DataFrame(rows)


def _difference(a: pd.DataFrame, b: pd.DataFrame, o: str, paired: bool
                ) -> tuple[float, float, float]:
    if paired:
        left = a.set_index("replication")[o]
        right = b.set_index("replication")[o]
        common = left.index.intersection(right.index)
        return mean_ci((left.loc[common] - right.loc[common]).to_numpy(float))
    x, y = a[o].dropna().to_numpy(float), b[o].dropna().to_numpy(float)
    if len(x) < 2 or len(y) < 2:
        return float(x.mean() - y.mean()) if len(x) and len(y) else math.nan, math.nan, math.nan
    d = float(x.mean() - y.mean())
    vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    se = math.sqrt(vx + vy)
    dof = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1)) if se else 1
    t = sstats.t.ppf(0.975, dof)
    return d, d - t * se, d + t * se


def _fmt(v: Any) -> str:
    """A factor's level as a label: the value as written (simulation.numbers)."""
    return format_number(v, grouped=False)


# ------------------------------------------------------------------ everything


@dataclass
class Analysis:
    """Everything `analyze` finds in a store (the tables of the report)."""

    study: Study
    main_effects: pd.DataFrame
    point_means: pd.DataFrame
    sobol: pd.DataFrame | None
    interactions: pd.DataFrame | None
    ols_terms: pd.DataFrame | None
    best: pd.DataFrame | None
    morris: pd.DataFrame | None = None


def analyze(store: str | Path) -> Analysis:
    """Analyse a sweep's store: main effects, point means, Sobol indices (sobol designs),
    two-factor interactions and the best levels.

    Raises:
        StoreError: the store cannot be read, or holds no successful run.
    """
    study = load_study(store)
    if study.ok.empty:
        raise StoreError(f"{store} has no successful runs to analyse")
    fits = interaction_fits(study)
    return Analysis(study, main_effects(study), point_means(study), sobol_indices(study),
                    fits[0] if fits else None, fits[1] if fits else None, best_levels(study),
                    morris_indices(study))


def write_outputs(a: Analysis, out: Path) -> list[Path]:
    """Write the analysis's tables (CSV, the runs without tracebacks) and its HTML report
    into the folder `out`.

    Returns:
        The files written.
    """
    from experiments.report import write_sweep_report

    out.mkdir(parents=True, exist_ok=True)
    written = []
    tables = {"main_effects": a.main_effects, "point_means": a.point_means,
              "sobol": a.sobol, "interactions": a.interactions, "ols_terms": a.ols_terms,
              "best_levels": a.best, "morris": a.morris}
    for name, table in tables.items():
        if table is not None and not table.empty:
            path = out / f"{name}.csv"
            table.to_csv(path, index=False)
            written.append(path)
    runs = a.study.runs.drop(columns=["traceback"], errors="ignore")
    runs.to_csv(out / "runs.csv", index=False)
    written.append(out / "runs.csv")
    written.append(write_sweep_report(a, out / "report.html"))
    return written


def headline(a: Analysis) -> list[str]:
    """A few lines worth printing: the clearest findings."""
    lines = []
    if a.morris is not None and not a.morris.empty:
        for o, g in a.morris.groupby("outcome", sort=False):
            top = g.sort_values("mu_star", ascending=False).head(3)
            lines.append(f"  {o}: most influential (Morris μ*) " + ", ".join(
                f"{r.factor} ({r.mu_star:.3g})" for r in top.itertuples()))
    if a.sobol is not None and not a.sobol.empty:
        for o, g in a.sobol.groupby("outcome", sort=False):
            top = g.sort_values("ST", ascending=False).iloc[0]
            lines.append(f"  {o}: most influential {top.factor} (total index {top.ST:.2f}, "
                         f"95% interval {top.ST_low:.2f}..{top.ST_high:.2f})")
    if a.interactions is not None and not a.interactions.empty:
        for r in a.interactions.itertuples():
            if not r.verdict.startswith("no clear"):
                held = ("" if r.holds_after_correction
                        else "; not after correcting for the family of tests")
                lines.append(f"  {r.outcome}: {r.factor_a} × {r.factor_b}: "
                             f"{r.verdict.split(' (')[0]} (interaction {r.interaction:+.3g}, "
                             f"95% interval {r.ci_low:+.3g}..{r.ci_high:+.3g}{held})")
    if a.best is not None and not a.best.empty:
        for r in a.best.itertuples():
            if r.clear:
                lines.append(f"  {r.outcome} given {r.given}: best {r.factor} = {r.best} "
                             f"({r.mean:.3g}; {r.difference:+.3g} vs {r.runner_up})")
    return lines
