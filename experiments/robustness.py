"""Robust rankings (`cogov robustness`): how often each mix comes first when the uncertain
assumptions are not what the modellers assumed.

1. The assumptions are the parameters with a plausible range (`iter_assumptions`: declared
   with `param(plausible=...)` or by the rule ×0.5-×1.5). A Latin hypercube draws
   `samples` points over their ranges (uniform within each range).
2. Every mix runs at every sample with the same seeds (common random numbers: replication
   r has the same seed at every point), so two mixes at one sample differ only by their
   levers. The runs are an ordinary sweep (`experiments.sweep.run_sweep`): stored as they
   finish in a DuckDB store, resumed where they stopped, on local processes or Dask.
3. For each outcome, each sample's mean over seeds ranks the mixes (in the outcome's
   better direction). Reported: P(each mix ranks first) and pairwise P(A beats B) over the
   samples, with Wilson 95% intervals; and, for the leader against the runner-up, which
   assumptions flip the ranking: a PRIM box (scenario discovery, `prim_box`) over the
   samples where the runner-up wins, and each assumption's rank correlation with the
   paired difference.

The probabilities are over the assumptions' plausible ranges *and* seed noise: with few
seeds per sample, part of what looks like flipping is noise (the report gives the seeds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.design import Experiment, design_seed
from experiments.points import Design, Factor, latin_hypercube
from simulation.metrics import OUTCOMES
from simulation.scenario import (
    ParameterSpec,
    iter_assumptions,
    load_scenario,
    scenario_dir,
    with_values,
)

MIX = "scenario"  # the factor (and store column) naming the mix
DEFAULT_MIXES = ("equal_cost_self_governance", "equal_cost_rule_of_law",
                 "equal_cost_rule_of_virtue", "equal_cost_smart_governance")
DEFAULT_OUTCOMES = ("resolution_rate", "escalations_per_10k")


# ------------------------------------------------------------------ the design


class CrossedDesign(Design):
    """Every mix at every row of a sample of the assumptions: point i is mix
    i % n_mixes at sample i // n_mixes (so one sample's mixes are neighbours)."""

    def __init__(self, mix: Factor, sample: Design):
        super().__init__((mix, *sample.factors))
        self.mix = mix
        self.sample = sample
        self.n_mixes = len(mix.levels or ())

    def __len__(self) -> int:
        return self.n_mixes * len(self.sample)

    def point(self, i: int) -> dict[str, Any]:
        s, m = divmod(i, self.n_mixes)
        return {MIX: self.mix.level(m), **self.sample.point(s)}

    def digest(self) -> str | None:
        return self.sample.digest()


def assumption_factors(specs: list[ParameterSpec]) -> tuple[Factor, ...]:
    """One factor per assumption, over its plausible range."""
    out = []
    for p in specs:
        assert p.plausible is not None
        out.append(Factor(p.path, (p.path,), "integer" if p.kind == "int" else "number",
                          low=p.plausible[0], high=p.plausible[1]))
    return tuple(out)


def choose_assumptions(names: list[str] | None) -> list[ParameterSpec]:
    """The assumptions to vary: all of them, or those whose path starts with one of
    `names` (e.g. `budget.lever_costs`, `ladder.grid_worker_cases`).

    Raises:
        ValueError: a name matches no assumption.
    """
    every = iter_assumptions()
    if not names:
        return every
    chosen = [p for p in every if any(p.path == n or p.path.startswith(n + ".")
                                      for n in names)]
    unknown = [n for n in names if not any(p.path == n or p.path.startswith(n + ".")
                                           for p in every)]
    if unknown:
        raise ValueError("no uncertain assumption named " + ", ".join(unknown)
                         + " (see `cogov robustness --list`)")
    return chosen


def robustness_experiment(mixes: list[str], assumptions: list[ParameterSpec], *,
                          samples: int, replications: int, steps: int | None,
                          outcomes: tuple[str, ...], seed: int = 0,
                          overrides: dict[str, Any] | None = None,
                          name: str = "robustness") -> Experiment:
    """The study as a sweep: mixes × a Latin hypercube of the assumptions × seeds."""
    overrides = dict(overrides or {})
    bases = {m: with_values(load_scenario(m), overrides) if overrides else load_scenario(m)
             for m in mixes}
    dirs = {m: str(scenario_dir(m)) for m in mixes}
    mix = Factor(MIX, (), "scenario", levels=tuple(mixes))
    factors = assumption_factors(assumptions)
    sample = latin_hypercube(factors, samples, design_seed(seed))
    text = (f"mixes: {mixes}\nassumptions: {[p.path for p in assumptions]}\n"
            f"samples: {samples}\nreplications: {replications}\nsteps: {steps}\n"
            f"set: {overrides}\nseed: {seed}\n")
    return Experiment(
        name=name, file="(cogov robustness)", text=text,
        description="Robustness of the mixes' ranking to the uncertain assumptions",
        base=None, bases=bases, base_dirs=dirs, overrides=overrides,
        factors=(mix, *factors), design="robustness", samples=samples,
        replications=replications, steps=steps, outcomes=outcomes, seed=seed,
        common_random_numbers=True, series=False, points=CrossedDesign(mix, sample))


# ------------------------------------------------------------------ the statistics


def wilson(k: float, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson's 95% score interval for a proportion k/n (NaNs when n is 0)."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def better_sign(outcome: str) -> float:
    """+1 if more of the outcome is better, -1 if less is (unknown direction: +1)."""
    for o in OUTCOMES:
        if o.name == outcome:
            return -1.0 if o.higher_is_better is False else 1.0
    return 1.0


def sample_means(runs: pd.DataFrame, outcome: str, n_mixes: int) -> pd.DataFrame:
    """One row per sample, one column per mix: the outcome's mean over seeds."""
    frame = runs[runs["status"] == "ok"].copy() if "status" in runs else runs.copy()
    frame["sample"] = frame["point"] // n_mixes
    table = frame.pivot_table(index="sample", columns=MIX, values=outcome, aggfunc="mean")
    return table.dropna()


@dataclass
class Flip:
    """What turns the leader's win over the runner-up around."""

    leader: str
    runner_up: str
    share: float  # of samples where the runner-up wins
    box: dict[str, tuple[float, float]]  # PRIM box: assumption -> (low, high)
    coverage: float  # of the runner-up's wins inside the box
    density: float  # share of runner-up wins among samples in the box
    correlations: list[tuple[str, float]] = field(default_factory=list)  # top |Spearman|


@dataclass
class Ranking:
    """One outcome's ranking over the sampled assumptions."""

    outcome: str
    n: int  # samples
    first: pd.DataFrame  # mix, p_first, low, high, mean
    pairwise: pd.DataFrame  # a, b, p_a_beats_b, low, high
    flip: Flip | None


def rank(runs: pd.DataFrame, points: pd.DataFrame, outcome: str, mixes: list[str],
         assumptions: list[str]) -> Ranking:
    """P(first), pairwise P(A beats B) and what flips the top two, for one outcome."""
    means = sample_means(runs, outcome, len(mixes))
    means = means[[m for m in mixes if m in means.columns]]
    n = len(means)
    sign = better_sign(outcome)
    score = means.to_numpy() * sign
    # A tie for first shares the sample between the tied mixes.
    top = score == score.max(axis=1, keepdims=True) if n else np.zeros((0, means.shape[1]))
    credit = top / top.sum(axis=1, keepdims=True) if n else top
    rows = []
    for j, m in enumerate(means.columns):
        k = float(credit[:, j].sum())
        lo, hi = wilson(k, n)
        rows.append({"mix": m, "p_first": k / n if n else math.nan, "low": lo, "high": hi,
                     "mean": float(means[m].mean()) if n else math.nan})
    first = pd.DataFrame(rows).sort_values("p_first", ascending=False, kind="stable")
    pairs = []
    for a in range(len(means.columns)):
        for b in range(len(means.columns)):
            if a == b:
                continue
            # a tie counts half
            k = float(np.sum(score[:, a] > score[:, b]) + 0.5 * np.sum(score[:, a] == score[:, b]))
            lo, hi = wilson(k, n)
            pairs.append({"a": means.columns[a], "b": means.columns[b],
                          "p_a_beats_b": k / n if n else math.nan, "low": lo, "high": hi})
    pairwise = pd.DataFrame(pairs)
    flip = None
    if n and len(means.columns) >= 2:
        order = first["mix"].tolist()
        # leader: first most often (ties: the better mean); runner-up: the next
        leader, runner = order[0], order[1]
        a, b = list(means.columns).index(leader), list(means.columns).index(runner)
        wins = score[:, b] > score[:, a]
        sample_points = points.iloc[[int(s) * len(mixes) for s in means.index]]
        x = sample_points[assumptions].to_numpy(dtype=float)
        box, coverage, density = prim_box(x, wins, assumptions)
        diff = score[:, a] - score[:, b]
        corr = [(name, spearman(x[:, j], diff)) for j, name in enumerate(assumptions)]
        corr = sorted((c for c in corr if not math.isnan(c[1])), key=lambda c: -abs(c[1]))
        flip = Flip(leader, runner, float(wins.mean()), box, coverage, density, corr[:5])
    return Ranking(outcome, n, first, pairwise, flip)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation (NaN when either side is constant)."""
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    rx = pd.Series(x).rank().to_numpy()
    ry = pd.Series(y).rank().to_numpy()
    return float(np.corrcoef(rx, ry)[0, 1])


def prim_box(x: np.ndarray, y: np.ndarray, names: list[str], *, alpha: float = 0.05,
             min_mass: float = 0.05, min_coverage: float = 0.5
             ) -> tuple[dict[str, tuple[float, float]], float, float]:
    """PRIM's peeling (Friedman & Fisher 1999; Bryant & Lempert 2010): a box over the
    inputs `x` (samples × assumptions) where the cases of interest `y` are dense.

    From the box holding every sample, repeatedly cut off the `alpha` share of the
    remaining samples at the low or high end of one input, choosing the cut that raises
    the share of `y` in the box most, until fewer than `min_mass` of the samples remain.
    Of the boxes along the way, the densest whose coverage (share of all `y` inside) is
    at least `min_coverage` is returned.

    Returns:
        The box's restricted inputs (name -> (low, high); an input cut on neither side
        is left out), its coverage and its density.
    """
    y = np.asarray(y, dtype=bool)
    n, d = x.shape
    total = int(y.sum())
    if n == 0 or total == 0:
        return {}, math.nan, math.nan
    inside = np.ones(n, dtype=bool)
    lows = x.min(axis=0).astype(float)
    highs = x.max(axis=0).astype(float)
    trajectory = [(lows.copy(), highs.copy(), 1.0, total / n)]
    while inside.sum() >= max(2, min_mass * n):
        best = None
        for j in range(d):
            col = x[inside, j]
            for side in ("low", "high"):
                q = np.quantile(col, alpha if side == "low" else 1 - alpha)
                keep = col > q if side == "low" else col < q
                if keep.all() or not keep.any():
                    continue
                mass = keep.sum()
                dens = y[inside][keep].mean()
                if best is None or dens > best[0] or (dens == best[0] and mass > best[1]):
                    best = (dens, mass, j, side, q)
        if best is None:
            break
        _, _, j, side, q = best
        cut = x[:, j] > q if side == "low" else x[:, j] < q
        if (inside & cut).sum() < max(2, min_mass * n):
            break
        inside &= cut
        if side == "low":
            lows[j] = x[inside, j].min()
        else:
            highs[j] = x[inside, j].max()
        cov = y[inside].sum() / total
        trajectory.append((lows.copy(), highs.copy(), float(cov), float(y[inside].mean())))
    eligible = [t for t in trajectory if t[2] >= min_coverage] or trajectory[:1]
    lo, hi, cov, dens = max(eligible, key=lambda t: (t[3], t[2]))
    full_lo, full_hi = x.min(axis=0), x.max(axis=0)
    box = {names[j]: (float(lo[j]), float(hi[j])) for j in range(d)
           if lo[j] > full_lo[j] or hi[j] < full_hi[j]}
    return box, cov, dens


# ------------------------------------------------------------------ the study


@dataclass
class Study:
    """A robustness study read back from its store."""

    mixes: list[str]
    assumptions: list[str]
    outcomes: list[str]
    samples: int
    replications: int
    runs: int  # stored ok
    rankings: list[Ranking]


def read_study(store: str | Path) -> Study:
    """Rank the mixes from a robustness store (finished or partial)."""
    from experiments.store import StoreError, read_store

    experiment, runs, points = read_store(store)
    definition = experiment["definition"]
    if definition.get("design") != "robustness":
        raise StoreError(f"{store} holds a {definition.get('design')} sweep, not a "
                         "robustness study")
    factors = definition["factors"]
    mixes = list(next(f for f in factors if f["name"] == MIX)["levels"])
    assumptions = [f["name"] for f in factors if f["name"] != MIX]
    outcomes = list(definition["outcomes"])
    ok = runs[runs["status"] == "ok"]
    rankings = [rank(ok, points, o, mixes, assumptions) for o in outcomes]
    return Study(mixes, assumptions, outcomes, int(definition["samples"]),
                 int(definition["replications"]), len(ok), rankings)


def first_table(study: Study) -> pd.DataFrame:
    """P(first) per outcome and mix, with intervals and the mix's mean."""
    frames = [r.first.assign(outcome=r.outcome, samples=r.n) for r in study.rankings]
    cols = ["outcome", "mix", "p_first", "low", "high", "mean", "samples"]
    return pd.concat(frames)[cols] if frames else pd.DataFrame(columns=cols)


def pairwise_table(study: Study) -> pd.DataFrame:
    """Pairwise P(A beats B) per outcome, with intervals."""
    frames = [r.pairwise.assign(outcome=r.outcome) for r in study.rankings]
    cols = ["outcome", "a", "b", "p_a_beats_b", "low", "high"]
    return pd.concat(frames)[cols] if frames else pd.DataFrame(columns=cols)


def flip_lines(study: Study) -> list[str]:
    """One paragraph per outcome: what turns the leader's win around."""
    out = []
    for r in study.rankings:
        f = r.flip
        if f is None:
            continue
        head = (f"{r.outcome}: {f.runner_up} beats {f.leader} in {f.share:.0%} of the "
                f"{r.n} samples")
        if f.share == 0:
            out.append(head + "; no assumption in its plausible range turns it around.")
            continue
        if f.box:
            cond = "; ".join(f"{k} in [{_g(lo)}, {_g(hi)}]" for k, (lo, hi) in f.box.items())
            head += (f". PRIM: where {cond}, {f.runner_up} wins in {f.density:.0%} of "
                     f"samples (coverage {f.coverage:.0%} of its wins)")
        corr = ", ".join(f"{k} ({c:+.2f})" for k, c in f.correlations[:3])
        out.append(head + (f". Rank correlation with {f.leader} − {f.runner_up}: {corr}."
                           if corr else "."))
    return out


def _g(x: float) -> str:
    return f"{x:.4g}"


def chart(study: Study, path: Path) -> Path:
    """P(each mix ranks first) with its 95% interval, one panel per outcome."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = max(1, len(study.rankings))
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 0.5 * len(study.mixes) + 1.6),
                             squeeze=False)
    for ax, r in zip(axes[0], study.rankings, strict=False):
        t = r.first.set_index("mix").reindex(study.mixes)
        y = np.arange(len(study.mixes))
        p = t["p_first"].to_numpy(dtype=float)
        err = np.vstack([p - t["low"].to_numpy(dtype=float), t["high"].to_numpy(dtype=float) - p])
        ax.barh(y, p, xerr=err, color="#2166ac", ecolor="#444", capsize=3)
        ax.set_yticks(y, study.mixes if ax is axes[0][0] else [""] * len(y))
        ax.set_xlim(0, 1)
        ax.set_title(f"{r.outcome} (n = {r.n})", fontsize=10)
        ax.set_xlabel("P(ranks first), 95% interval")
        ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def html_section(study: Study, chart_name: str | None = None) -> str:
    """The study as an HTML section (tables, the chart, what flips the rankings)."""
    from html import escape

    parts = ["<section id='robustness'>", "<h2>Robust rankings</h2>",
             f"<p>{len(study.assumptions)} uncertain assumptions sampled over their plausible "
             f"ranges (Latin hypercube, {study.samples} samples) × {study.replications} "
             f"seed(s), common random numbers across mixes; {study.runs:,} runs. "
             "Probabilities are over the samples, with Wilson 95% intervals; with few seeds "
             "per sample, seed noise adds to the flipping.</p>"]
    if chart_name:
        parts.append(f"<img src='{escape(chart_name)}' alt='P(ranks first)'>")
    parts.append("<h3>P(ranks first)</h3>")
    parts.append(_html_table(first_table(study)))
    parts.append("<h3>Pairwise P(A beats B)</h3>")
    parts.append(_html_table(pairwise_table(study)))
    parts.append("<h3>What flips the ranking</h3><ul>")
    parts += [f"<li>{escape(line)}</li>" for line in flip_lines(study)]
    parts.append("</ul></section>")
    return "\n".join(parts)


def _html_table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, float_format=lambda x: f"{x:.3f}", border=0)


def write_outputs(study: Study, folder: Path) -> list[Path]:
    """robustness_first.csv, robustness_pairwise.csv, robustness.png, robustness.html."""
    folder.mkdir(parents=True, exist_ok=True)
    first = folder / "robustness_first.csv"
    first_table(study).to_csv(first, index=False)
    pairs = folder / "robustness_pairwise.csv"
    pairwise_table(study).to_csv(pairs, index=False)
    png = chart(study, folder / "robustness.png")
    html = folder / "robustness.html"
    html.write_text("<!doctype html><html><head><meta charset='utf-8'><title>Robust "
                    "rankings</title></head><body>\n" + html_section(study, png.name)
                    + "\n</body></html>\n", encoding="utf-8")
    return [first, pairs, png, html]


def print_study(study: Study) -> None:
    """The tables on the terminal."""
    print(f"Robust rankings: {len(study.mixes)} mixes × {study.samples} samples of "
          f"{len(study.assumptions)} assumptions × {study.replications} seed(s) "
          f"({study.runs:,} runs)")
    for r in study.rankings:
        print(f"\n{r.outcome} ({'lower' if better_sign(r.outcome) < 0 else 'higher'} is "
              f"better): P(ranks first) over {r.n} samples [95% interval]")
        for row in r.first.itertuples():
            print(f"  {row.mix:<34} {row.p_first:5.2f} [{row.low:.2f}, {row.high:.2f}]"
                  f"   mean {row.mean:.4g}")
    print("\nWhat flips the ranking:")
    for line in flip_lines(study):
        print("  " + line)
