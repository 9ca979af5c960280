"""`cogov targets` on the bundled targets file, and the validation report it writes.

The run is shrunk so the suite stays quick: every scenario at 6,000 residents and 13
weeks, two seeds, one process, and the report's sensitivity search cut to short runs.
Each row is then recomputed here from its own model runs and from the targets file read
as plain YAML: the mean of the named outcome over the seeds, scipy's t interval, and
PASS exactly when the mean lies in the file's range. Figures that do not depend on the
run's length (incomes, the population, the grid) must PASS even in so small a run.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re

import numpy as np
import pytest
import yaml
from scipy import stats

from cli.main import main
from experiments import calibrate, pool, targets, validation_report
from simulation.model import CoGovernanceModel
from simulation.scenario import load_scenario, with_values

REPS, STEPS, RESIDENTS = 2, 13, 6_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Rows whose figures are fixed when the county is built: a short run must reproduce them.
STATIC = ("income_gini", "urban_rural_income_ratio", "top_bottom_quintile_ratio",
          "elderly_share", "urban_resident_share", "volunteer_active_share",
          "grid_workers_per_grid")
# The report's sensitivity search, cut down: one parameter per block, short runs.
SMALL_BLOCKS = (
    calibrate.Block("income spread", {"welfare.income_dispersion": (0.76,)},
                    ("income_gini", "urban_rural_income_ratio"), steps=0),
    calibrate.Block("mediation success", {"ladder.success_l1": (0.85,)},
                    ("grassroots_mediation_success",), steps=STEPS),
)


def small(name: str):
    return with_values(load_scenario(name), {"population.residents": RESIDENTS,
                                             "run.steps": STEPS})


def scenario_file(name: str) -> str:
    """A check's scenario: bundled, or one written for the checks."""
    path = targets.TARGETS_FILE.parent / "scenarios" / f"{name}.yaml"
    return str(path) if path.is_file() else name


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory):
    """`cogov targets --json --report` on the bundled file; (exit code, rows, report path)."""
    report = tmp_path_factory.mktemp("docs") / "validation.md"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(targets, "load_scenario", small)
        mp.setattr(validation_report, "load_scenario", small)
        mp.setattr(validation_report, "BLOCKS", SMALL_BLOCKS)
        mp.setattr(pool, "default_workers", lambda: 1)  # in this process: patches hold
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = main(["targets", "--reps", str(REPS), "--workers", "1", "--no-progress",
                         "--json", "--report", str(report)])
    return code, json.loads(out.getvalue()), report


def figures_file() -> dict:
    return yaml.safe_load(targets.TARGETS_FILE.read_text(encoding="utf-8"))


def derived_by_hand(c: dict[str, float], residents: float, weeks: float) -> dict[str, float]:
    """The derived measures, from their definitions in the targets file's meanings."""
    years = weeks / 52
    ended = (c["resolved"] + c["relapsed"] + c["abandoned"] + c["escalated"] + c["lumped"]
             + c["closed_unresolved"])
    return {"mediations_per_10k": (c["resolved_l1"] + c["resolved_l2"]) / residents * 1e4
            / years,
            "taken_in_per_1000": (ended - c["resolved_l0"] - c["lumped"]) / residents * 1e3
            / years,
            "petition_share": c["escalated"] / ended if ended else math.nan,
            "reported_resolution_gap": c["closed_unresolved"] / ended if ended else math.nan,
            "resolution_rate": c["resolved"] / ended if ended else math.nan,
            # resolved at L0-L2: not at court, nor at the petition office
            "township_share": (c["resolved_l0"] + c["resolved_l1"] + c["resolved_l2"])
            / c["resolved"]
            if c["resolved"] else math.nan,
            "litigation_share": c["resolved_l3"] / c["resolved"] if c["resolved"] else math.nan,
            "escalations_per_10k": c["escalated"] / residents * 1e4 / years}


def outcome_of_run(scenario: str, seed: int) -> dict[str, float]:
    """Every outcome a check may name, for one small run, computed here; a year's values
    (the run is shorter than a year: the whole run) under `first_year:` and `last_year:`."""
    model = CoGovernanceModel(small(scenario_file(scenario)), rng=seed)
    res = model.residents
    initial_volunteers = float(res.volunteer.mean())
    initial_elderly = float(res.elderly.mean())  # the county as built: it ages in a run
    weekly = []
    for _ in range(STEPS):
        model.step()
        weekly.append(float(res.volunteer.mean()))
    p = model.params
    summary = model.summary()
    out = {**summary,
           "elderly_share": initial_elderly, "urban_share": float(res.urban.mean()),
           "volunteer_share_initial": initial_volunteers,
           "hours_per_volunteer": p.behaviour.volunteer_hours * 52,
           "grid_workers_per_1000": p.ladder.grid_workers_per_1000}
    by_hand = derived_by_hand(summary, RESIDENTS, STEPS)
    out.update({k: by_hand[k] for k in ("mediations_per_10k", "taken_in_per_1000",
                                        "petition_share", "reported_resolution_gap")})
    year = {**derived_by_hand(summary, RESIDENTS, STEPS),
            "volunteer_share": float(np.mean(weekly))}
    for prefix in ("first_year", "last_year"):
        out.update({f"{prefix}:{k}": v for k, v in year.items()})
    return out


def check_value(row: dict[str, float], check: dict) -> float:
    window = check.get("window", "run")
    name = check["outcome"]
    if window == "run":
        return row[name]
    if window == "change":
        return row[f"last_year:{name}"] - row[f"first_year:{name}"]
    return row[f"{window}:{name}"]


def test_every_check_in_the_file_is_a_row_computed_from_its_outcome(checked) -> None:
    code, rows, _ = checked
    entries = {k: v for k, v in figures_file().items() if "check" in v and
               "not_modelled" not in v}
    assert [r["target"] for r in rows] == list(entries)
    runs = {}
    for row in rows:
        check = entries[row["target"]]["check"]
        assert (row["outcome"], row["scenario"]) == (check["outcome"], check["scenario"])
        for key in (check["scenario"], check.get("versus")):
            if key is not None and key not in runs:
                runs[key] = [outcome_of_run(key, seed) for seed in range(REPS)]
        values = np.array([check_value(r, check) for r in runs[check["scenario"]]])
        if check.get("versus"):  # the same seeds: a paired difference
            values = values - np.array([check_value(r, check) for r in runs[check["versus"]]])
        mean = values.mean()
        assert row["n"] == REPS
        assert row["mean"] == pytest.approx(mean), row["target"]
        if values.std() > 0:
            lo, hi = stats.t.interval(0.95, REPS - 1, loc=mean, scale=stats.sem(values))
            assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi))
        else:  # a parameter, the same in every run: the interval is the value itself
            assert row["ci_low"] == row["ci_high"] == pytest.approx(mean)
        low, high = check["range"]
        assert (row["low"], row["high"]) == (low, high)
        assert row["result"] == ("PASS" if low <= mean <= high else "MISS"), row
    assert code == (0 if all(r["result"] == "PASS" for r in rows) else 1)


def test_figures_fixed_when_the_county_is_built_pass_even_in_a_short_run(checked) -> None:
    _, rows, _ = checked
    by_target = {r["target"]: r for r in rows}
    for key in STATIC:
        assert by_target[key]["result"] == "PASS", by_target[key]
    # NBS 2024: urban 54,188 / rural 23,119 yuan = 2.34.
    assert by_target["urban_rural_income_ratio"]["mean"] == pytest.approx(2.34, abs=0.15)


# ------------------------------------------------------------------ the report


def fmt(x: float) -> str:
    """The report's number format: one decimal from 100 up, else three."""
    if math.isnan(x):
        return "—"
    return f"{x:,.1f}" if abs(x) >= 100 else f"{x:.3f}"


def test_report_table_has_every_row_and_the_pass_count(checked) -> None:
    _, rows, report = checked
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Validation: the model against real figures")
    assert f"`cogov targets --reps {REPS} --report {report.as_posix()}`" in text
    for r in rows:
        result = "PASS" if r["result"] == "PASS" else "**MISS**"
        where = r["scenario"] + (f" − {r['versus']}" if r["versus"] else "")
        shown = r["outcome"] + ("" if r["window"] == "run"
                                else f", {r['window'].replace('_', ' ')}")
        line = (f"| {r['target']} | {r['kind'].replace('_', ' ')} | {where} | `{shown}` | "
                f"{fmt(r['mean'])} [{fmt(r['ci_low'])}, {fmt(r['ci_high'])}] | "
                f"{fmt(r['low'])}–{fmt(r['high'])} | {result} |")
        assert line in text.splitlines(), line
    # Three groups, each with its pass count; only the held-out ones are evidence.
    for role, title in (("fitted", "### Fitted"), ("checked", "### Held out"),
                        ("echo", "### Echoes")):
        group = [r for r in rows if r["role"] == role]
        assert any(ln.startswith(title) for ln in text.splitlines())
        passed = sum(r["result"] == "PASS" for r in group)
        assert f"\n{passed} of {len(group)} pass.\n" in text
    held = [r for r in rows if r["role"] == "checked"]
    passed = sum(r["result"] == "PASS" for r in held)
    assert f"**Evidence: {passed} of {len(held)} held-out checks pass.**" in text
    for key, entry in figures_file().items():
        if "not_modelled" in entry:
            assert f"| {key} | not modelled | — | — | — | — | {entry['not_modelled']} |" in text
    assert "## What the model leaves out" in text and "**Economics.**" in text


def test_report_charts_are_written_beside_it_and_linked(checked) -> None:
    _, _, report = checked
    text = report.read_text(encoding="utf-8")
    for name in ("validation_funnel.png", "validation_income.png"):
        data = (report.parent / "img" / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5_000, name
        assert f"](img/{name})" in text


def test_report_sensitivity_lists_each_parameter_and_target(checked) -> None:
    _, _, report = checked
    text = report.read_text(encoding="utf-8")
    sens = [ln for ln in text.splitlines() if ln.startswith("| `")]
    pairs = [(b_path, t) for b in SMALL_BLOCKS for b_path in b.grid for t in b.targets]
    assert len(sens) == len(pairs)
    for line, (path, target) in zip(sens, pairs, strict=True):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[0] == f"`{path}`" and cells[2] == target
        assert cells[1] == f"{float(_calibrated(path)):g}"
        assert re.fullmatch(r"[+-]\d+\.\d\d", cells[5]), cells[5]
    # A parameter is named weakly identified when it moves none of its targets by 0.1%
    # per 1% (elasticities are printed to two decimals, so 0.10 may go either way).
    largest: dict[str, float] = {}
    for line in sens:
        cells = [c.strip() for c in line.strip("|").split("|")]
        path = cells[0].strip("`")
        largest[path] = max(largest.get(path, 0.0), abs(float(cells[5])))
    named = re.search(r"Weakly identified[^:]*: (.*?)\. The", text)
    weak = set(re.findall(r"`([^`]+)`", named.group(1))) if named else set()
    assert all(largest[p] <= 0.1 for p in weak)
    assert all(largest[p] >= 0.1 for p in set(largest) - weak)


def _calibrated(path: str) -> float:
    node = load_scenario("default")
    for part in path.split("."):
        node = getattr(node, part)
    return node


def test_sensitivity_moves_each_parameter_ten_percent_either_way(monkeypatch) -> None:
    """At ±10% income spread the income Gini is the mean over seeds of runs made here."""
    monkeypatch.setattr(validation_report, "load_scenario", small)
    monkeypatch.setattr(validation_report, "BLOCKS", SMALL_BLOCKS[:1])
    monkeypatch.setattr(pool, "default_workers", lambda: 1)
    checks = [c for c in targets.read_targets()[0] if c.key == "income_gini"]
    table = validation_report.sensitivity(checks, reps=2)
    assert len(table) == 1
    row = table.iloc[0]
    spread = _calibrated("welfare.income_dispersion")
    assert (row["parameter"], row["target"], row["value"]) == (
        "welfare.income_dispersion", "income_gini", spread)

    def gini_at(value: float) -> float:
        scenario = with_values(small("default"), {"welfare.income_dispersion": value})
        return float(np.mean([CoGovernanceModel(scenario, rng=s).summary()["income_gini"]
                              for s in range(2)]))

    at_minus, at_plus = gini_at(spread * 0.9), gini_at(spread * 1.1)
    assert (row["at_minus"], row["at_plus"]) == pytest.approx((at_minus, at_plus))
    assert at_plus > at_minus  # more spread, more inequality
    # Relative change of the Gini over the relative change of the spread (0.2).
    mid = (at_minus + at_plus) / 2
    assert row["elasticity"] == pytest.approx(((at_plus - at_minus) / mid) / 0.2)


def test_elasticity_by_hand() -> None:
    assert validation_report._elasticity(0.9, 1.1, 0.9, 1.1, 1.0) == pytest.approx(1.0)
    assert validation_report._elasticity(2.0, 2.0, 4.5, 5.5, 5.0) == 0.0
    assert validation_report._elasticity(0.45, 0.55, 9.0, 11.0, 10.0) == pytest.approx(1.0)
    assert math.isnan(validation_report._elasticity(-1.0, 1.0, 0.9, 1.1, 1.0))  # mean 0
    assert math.isnan(validation_report._elasticity(1.0, 2.0, 1.0, 1.0, 1.0))  # no move


def test_quintile_means_split_the_sorted_incomes_in_five(monkeypatch) -> None:
    monkeypatch.setattr(validation_report, "load_scenario", small)
    q = validation_report._quintile_means(3)
    income = np.sort(CoGovernanceModel(small("default"), rng=3).residents.income)
    fifth = RESIDENTS // 5
    assert q == pytest.approx([income[i * fifth:(i + 1) * fifth].mean() for i in range(5)])
    assert list(q) == sorted(q)


def test_a_regenerated_report_keeps_the_sections_written_into_it(tmp_path) -> None:
    from experiments.validation_report import TITLE, kept_sections

    report = tmp_path / "validation.md"
    kept = "<!-- kept -->\n## Rankings\n\nP(first) 0.4 [0.2, 0.6].\n<!-- /kept -->\n"
    report.write_text(f"{TITLE}\n\nGenerated by `cogov targets --reps 2`.\n\n{kept}\nrest\n",
                      encoding="utf-8")
    assert kept_sections(report) == [kept]
    other = tmp_path / "notes.md"  # not a report: nothing is taken from it
    other.write_text(f"# Notes\n\n{kept}", encoding="utf-8")
    assert kept_sections(other) == []
    assert kept_sections(tmp_path / "missing.md") == []


def test_the_sensitivity_table_runs_a_check_written_for_the_checks(monkeypatch) -> None:
    """A fitted figure checked on experiments/data/scenarios/ (rated_hotline) is run from
    that file by the report's one-at-a-time sensitivity too."""
    from experiments import validation_report
    from experiments.targets import read_targets

    labels = []

    def record(fn, specs, **kw):
        for spec in specs:
            labels.append(spec.label)
            yield spec, {"reported_resolution_gap": 0.05, "grassroots_mediation_success": 0.9,
                         "income_gini": 0.45, "income_top_bottom_ratio": 10.0,
                         "income_urban_rural_ratio": 2.3}

    monkeypatch.setattr(validation_report, "map_runs", record)
    checks = read_targets()[0]
    table = validation_report.sensitivity(checks, reps=1)
    assert "high|rated_hotline" in labels
    assert "ratings_reports_sit_above_surveys" in set(table["target"])
