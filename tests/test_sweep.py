"""`cogov sweep`: the store, resuming, refusing another experiment's store, failing runs.

Sweeps here are tiny (a county of 500 residents for 8 weeks) so each takes a second or two.
The kill-and-resume test is in test_sweep_resume.py, the Dask cluster test in
test_sweep_dask.py.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from cli.main import main
from experiments.design import load_experiment, run_seed
from experiments.pool import BackendError
from experiments.store import Store, StoreError, read_store, series_dir
from experiments.sweep import run_sweep, summary_lines
from simulation import __version__
from simulation.scenario import ScenarioError

TINY = """\
description: tiny test sweep
base: default
set:
  population.residents: 500
factors:
  levers.rule_of_law.enforcement:
    levels: [0.1, 0.9]
  self_governance:
    parameters: [levers.self_governance.councils, levers.self_governance.volunteer_incentives]
    levels: [0.2, 0.8]
design: full_factorial
replications: 3
steps: 8
seed: 11
outcomes: [resolution_rate, trust, welfare_gini, arisen]
"""
KEY = ["run_id", "point", "replication", "seed", "levers.rule_of_law.enforcement",
       "self_governance", "resolution_rate", "trust", "welfare_gini", "arisen",
       "scenario_hash", "status"]


def experiment(tmp_path: Path, text: str = TINY, name: str = "tiny"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return load_experiment(path)


def runs_of(store: Path) -> pd.DataFrame:
    return read_store(store)[1]


def same_rows(a: pd.DataFrame, b: pd.DataFrame, columns: list[str] = KEY) -> None:
    a = a.sort_values("run_id").reset_index(drop=True)[columns]
    b = b.sort_values("run_id").reset_index(drop=True)[columns]
    pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory):
    """One finished tiny sweep, run in this process."""
    tmp = tmp_path_factory.mktemp("swept")
    exp = experiment(tmp)
    store = tmp / "tiny.duckdb"
    report = run_sweep(exp, store, workers=1, progress=False)
    return exp, store, report


def test_store_has_one_row_per_run_with_everything_recorded(swept) -> None:
    exp, store, report = swept
    assert report.ran == exp.n_runs == 12 and report.failed == 0
    experiment_row, runs, points = read_store(store)
    assert len(runs) == 12 and runs.run_id.is_unique
    assert set(runs.status) == {"ok"}
    assert runs.error.isna().all()
    # every factor and kept outcome is a column of its own
    for col in ("levers.rule_of_law.enforcement", "self_governance", "resolution_rate",
                "trust", "welfare_gini", "arisen"):
        assert col in runs.columns
    assert "median_weeks" not in runs.columns  # not kept
    assert (runs.cogov_version == __version__).all()
    assert runs.scenario_hash.str.len().eq(16).all()
    assert runs.scenario_hash.nunique() == 4  # one scenario per design point
    assert (runs.finished >= runs.started).all() and (runs.duration_s >= 0).all()
    assert (runs.base_scenario == "default").all() and (runs.steps == 8).all()
    # seeds are the experiment's, per replication
    for row in runs.itertuples():
        assert row.seed == exp.seed_for(row.point, row.replication)
        assert row.run_id == exp.run_id(row.point, row.replication)
    assert experiment_row["text"] == exp.text
    assert experiment_row["definition_hash"] == exp.definition_hash
    assert experiment_row["n_runs"] == 12
    assert list(points.point) == [0, 1, 2, 3]


def test_store_is_queryable_with_sql(swept) -> None:
    _, store, _ = swept
    con = duckdb.connect(str(store), read_only=True)
    try:
        rows = con.execute(
            'SELECT "levers.rule_of_law.enforcement" AS enforcement, count(*), avg(trust) '
            "FROM runs WHERE status = 'ok' GROUP BY 1 ORDER BY 1").fetchall()
    finally:
        con.close()
    assert [(r[0], r[1]) for r in rows] == [(0.1, 6), (0.9, 6)]


def test_outcomes_match_a_direct_run(swept) -> None:
    from experiments.execute import execute_run

    exp, store, _ = swept
    runs = runs_of(store).set_index("run_id")
    rec = execute_run(exp.task(2, 1))
    assert rec.status == "ok"
    for name, value in rec.outcomes.items():
        stored = runs.loc[rec.run_id, name]
        assert (math.isnan(stored) and value is None) or stored == value


def test_rerunning_a_finished_sweep_does_nothing_and_says_so(swept, capsys) -> None:
    exp, store, _ = swept
    before = runs_of(store)
    report = run_sweep(exp, store, workers=1, progress=False)
    assert report.ran == 0 and report.stored_ok == 12
    assert "nothing to do" in summary_lines(report)[0]
    same_rows(before, runs_of(store), [*KEY, "started", "finished"])


def test_a_finished_sweep_needs_no_workers_or_cluster(swept) -> None:
    """Nothing to run: no cluster is reached (none listens at this address) and no
    worker is started."""
    exp, store, _ = swept
    report = run_sweep(exp, store, scheduler="tcp://127.0.0.1:9", progress=False)
    assert report.ran == 0 and report.stored_ok == 12


def test_a_store_of_another_definition_is_refused(swept, tmp_path: Path) -> None:
    _, store, _ = swept
    other = experiment(tmp_path, TINY.replace("seed: 11", "seed: 12"))
    with pytest.raises(StoreError, match="different experiment definition") as info:
        run_sweep(other, store, workers=1, progress=False)
    assert "seed" in str(info.value)  # says what differs
    assert "another --store" in str(info.value)


def test_comments_do_not_change_the_definition(swept, tmp_path: Path) -> None:
    _, store, _ = swept
    same = experiment(tmp_path, "# edited comment\n" + TINY)
    assert run_sweep(same, store, workers=1, progress=False).ran == 0


def test_process_pool_gives_the_same_rows_as_one_process(swept, tmp_path: Path) -> None:
    exp, store, _ = swept
    pool_store = tmp_path / "pool.duckdb"
    report = run_sweep(exp, pool_store, workers=2, progress=False)
    assert report.ran == 12 and report.failed == 0
    same_rows(runs_of(store), runs_of(pool_store))


def test_resume_after_deleting_rows_runs_only_the_missing(swept, tmp_path: Path) -> None:
    exp, store, _ = swept
    copy = tmp_path / "partial.duckdb"
    full = runs_of(store)
    run_sweep(exp, copy, workers=1, progress=False)
    con = duckdb.connect(str(copy))
    con.execute("DELETE FROM runs WHERE point = 2 OR run_id LIKE '%-r0001'")
    kept = {r[0]: r[1] for r in con.execute("SELECT run_id, started FROM runs").fetchall()}
    con.close()
    report = run_sweep(exp, copy, workers=1, progress=False)
    assert report.already == len(kept) and report.ran == 12 - len(kept)
    after = runs_of(copy)
    same_rows(full, after)
    # rows that were there were not run again
    assert all(after.set_index("run_id").loc[k, "started"] == v for k, v in kept.items())


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path: Path) -> None:
    # All five dispute-type shares at 0 is refused by the scenario's own validation, so the
    # design point with share 0 fails inside the worker; the others run.
    text = TINY.replace(
        "  levers.rule_of_law.enforcement:\n    levels: [0.1, 0.9]\n",
        "  shares:\n    parameters: [disputes.share_neighbour_family, "
        "disputes.share_property_land, disputes.share_labour_wages, "
        "disputes.share_consumer_market, disputes.share_public_service]\n"
        "    levels: [0.0, 0.2]\n")
    exp = experiment(tmp_path, text, "failing")
    store = tmp_path / "failing.duckdb"
    report = run_sweep(exp, store, workers=2, progress=False)
    assert report.ran == 12 and report.failed == 6
    runs = runs_of(store)
    bad = runs[runs.status == "error"]
    assert set(bad.shares) == {0.0} and len(bad) == 6
    assert bad.error.str.contains("share").all()
    assert bad.traceback.notna().all()
    assert bad.resolution_rate.isna().all()
    good = runs[runs.status == "ok"]
    assert len(good) == 6 and good.trust.notna().all()
    lines = summary_lines(report)
    assert "6 failed" in lines[0] and any("status = 'error'" in line for line in lines)
    # running again retries only the failed runs (they fail again, deterministically)
    again = run_sweep(exp, store, workers=1, progress=False)
    assert again.already == 6 and again.ran == 6 and again.failed == 6
    assert len(runs_of(store)) == 12


def test_cli_exit_codes_and_summary(tmp_path: Path, capsys) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY.replace("replications: 3", "replications: 1"), encoding="utf-8")
    store = tmp_path / "out" / "tiny.duckdb"
    args = ["sweep", str(path), "--workers", "1", "--store", str(store), "--no-progress"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "4 ok, 0 failed" in out and "cogov analyze" in out
    assert main(args) == 0
    assert "nothing to do" in capsys.readouterr().out
    path.write_text(TINY.replace("replications: 3", "replications: 2"), encoding="utf-8")
    assert main(args) == 2
    assert "different experiment definition" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.replace("design: full_factorial", "design: factorial"))
    assert main(["sweep", str(bad), "--store", str(tmp_path / "b.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:11: design: not one of the allowed choices" in err
    assert "(did you mean 'full_factorial'?)" in err


def test_default_store_is_results_experiment(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "mini.yaml"
    path.write_text(TINY.replace("replications: 3", "replications: 1"), encoding="utf-8")
    assert main(["sweep", "mini.yaml", "--workers", "1", "--no-progress"]) == 0
    assert (tmp_path / "results" / "mini.duckdb").is_file()


def test_series_are_written_as_parquet_beside_the_store(tmp_path: Path) -> None:
    exp = experiment(tmp_path, TINY.replace("replications: 3", "replications: 1")
                     + "series: true\n", "withseries")
    store = tmp_path / "withseries.duckdb"
    run_sweep(exp, store, workers=1, progress=False)
    folder = series_dir(store)
    files = sorted(folder.glob("*.parquet"))
    assert len(files) == 4
    con = duckdb.connect()
    weeks = con.execute("SELECT run_id, count(*), max(week) FROM read_parquet(?) "
                        "GROUP BY run_id ORDER BY run_id", [f"{folder}/*.parquet"]).fetchall()
    assert [w[1:] for w in weeks] == [(9, 8)] * 4
    assert [w[0] for w in weeks] == sorted(runs_of(store).run_id)


def test_a_non_store_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (x INT)")
    con.close()
    with pytest.raises(StoreError, match="not a cogov sweep store"):
        Store.open(path, experiment(tmp_path))


def test_missing_dask_gives_the_install_hint(tmp_path: Path, monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails
    with pytest.raises(BackendError, match=r"pip install 'cogov\[cluster\]'"):
        run_sweep(experiment(tmp_path), tmp_path / "d.duckdb", scheduler="tcp://127.0.0.1:1",
                  progress=False)


def test_nan_outcomes_are_stored_as_null(tmp_path: Path) -> None:
    # one week in a tiny county: few or no disputes end, so some shares are undefined
    exp = experiment(tmp_path, TINY.replace("steps: 8", "steps: 1").replace(
        "replications: 3", "replications: 1"), "nan")
    store = tmp_path / "nan.duckdb"
    run_sweep(exp, store, workers=1, progress=False)
    runs = runs_of(store)
    assert runs.resolution_rate.isna().any()
    con = duckdb.connect(str(store), read_only=True)
    nulls = con.execute("SELECT count(*) FROM runs WHERE resolution_rate IS NULL").fetchone()
    nans = con.execute("SELECT count(*) FROM runs WHERE isnan(resolution_rate)").fetchone()
    con.close()
    assert nulls[0] == runs.resolution_rate.isna().sum() and nans[0] == 0
    assert all(math.isfinite(x) for x in runs.trust)
    assert np.isfinite(runs.arisen).all()


def test_a_lost_worker_is_recorded_and_the_sweep_goes_on(tmp_path: Path) -> None:
    """An executor that loses the tasks of one design point (as when a worker process
    dies): those runs are stored as errors, the others run."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from experiments.pool import InlineExecutor

    class LosesPointOne(InlineExecutor):
        def submit(self, fn, /, *args, **kwargs):
            if args[0].point == 1:
                fut: Future = Future()
                fut.set_exception(BrokenProcessPool("a process was terminated abruptly"))
                return fut
            return super().submit(fn, *args, **kwargs)

    exp = experiment(tmp_path)
    store = tmp_path / "lost.duckdb"
    report = run_sweep(exp, store, executor=LosesPointOne(), progress=False)
    assert report.ran == 12 and report.failed == 3
    runs = runs_of(store)
    lost = runs[runs.status == "error"]
    assert set(lost.point) == {1} and lost.error.str.contains("worker process died").all()
    assert (runs[runs.point != 1].status == "ok").all()


class _InterruptedAt:
    """A DuckDB connection whose `method` fails as DuckDB fails a query that Ctrl-C
    interrupted (a RuntimeError, "Query interrupted"); everything else goes through."""

    def __init__(self, con, method: str):
        self._con, self._method = con, method

    def __getattr__(self, name: str):
        if name == self._method:
            def interrupted(*args, **kwargs):
                raise RuntimeError("Query interrupted")
            return interrupted
        return getattr(self._con, name)


@pytest.mark.parametrize("method", ["begin", "execute", "commit"])
def test_ctrl_c_inside_any_step_of_a_commit_stops_the_sweep_cleanly(
        swept, tmp_path: Path, method: str) -> None:
    """An interrupt that DuckDB turns into its own error, wherever in the commit it lands
    (its start included), is a KeyboardInterrupt, and nothing of that commit is kept."""
    from experiments.execute import execute_run

    exp = swept[0]

    task = exp.task(0, 0)
    record = execute_run(task)
    store = Store.open(tmp_path / "s.duckdb", exp)
    try:
        store.ok_runs()
        real = store.con
        store.con = _InterruptedAt(real, method)
        with pytest.raises(KeyboardInterrupt):
            store.write_many([(task.point, task.replication, task.seed, record)])
        store.con = real
        assert real.execute("SELECT count(*) FROM runs").fetchone() == (0,)
        store.write_many([(task.point, task.replication, task.seed, record)])  # goes on
        assert real.execute("SELECT count(*) FROM runs").fetchone() == (1,)
    finally:
        store.close()


# ------------------------------------------------------------------ --set


def test_set_on_the_command_line_goes_on_top_of_the_files_set(tmp_path: Path) -> None:
    """`--set` changes every run as the file's `set:` does; a later value for the same
    path wins, and the definition (so the store's identity) records both."""
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    plain = load_experiment(path)
    changed = load_experiment(path, extra_set={"population.residents": 400,
                                               "disputes.relapse_base": 0.0})
    assert plain.overrides == {"population.residents": 500}
    assert changed.overrides == {"population.residents": 400, "disputes.relapse_base": 0.0}
    (base,) = changed.bases.values()
    assert base.population.residents == 400 and base.disputes.relapse_base == 0.0
    (plain_base,) = plain.bases.values()
    assert plain_base.disputes.relapse_base == 0.15  # the declared default, untouched
    assert changed.definition["set"] == changed.overrides
    assert changed.definition_hash != plain.definition_hash


def test_a_bad_set_on_the_command_line_is_named_by_the_option(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_experiment(path, extra_set={"disputes.relapse_base": 2,
                                         "disputes.relapse_bse": 0})
    by_path = {p.path: p for p in caught.value.problems}
    assert set(by_path) == {"--set disputes.relapse_base", "--set disputes.relapse_bse"}
    assert all(p.file is None and p.line is None for p in by_path.values())
    assert "upper bound" in by_path["--set disputes.relapse_base"].message
    assert by_path["--set disputes.relapse_bse"].suggestion == "disputes.relapse_base"
    with pytest.raises(ScenarioError) as caught:  # a factor's parameter: it would be lost
        load_experiment(path, extra_set={"levers.rule_of_law.enforcement": 0.5})
    (problem,) = caught.value.problems
    assert problem.path == "--set levers.rule_of_law.enforcement" and problem.file is None
    assert "given with --set and in factor 'levers.rule_of_law.enforcement'" in problem.message


def test_a_sweep_with_set_has_its_own_default_store(tmp_path: Path, monkeypatch) -> None:
    """The file's own design and the design under a changed assumption never share (or
    fight over) `results/NAME.duckdb`."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mini.yaml").write_text(TINY.replace("replications: 3", "replications: 1"),
                                        encoding="utf-8")
    args = ["sweep", "mini.yaml", "--workers", "1", "--no-progress"]
    assert main(args) == 0
    assert main([*args, "--set", "disputes.relapse_base=0"]) == 0
    plain, changed = (tmp_path / "results" / name for name in
                      ("mini.duckdb", "mini--relapse_base=0.duckdb"))
    assert plain.is_file() and changed.is_file()
    assert read_store(changed)[0]["definition"]["set"] == {
        "population.residents": 500, "disputes.relapse_base": 0}
    # Every run's scenario carries the value: no run of one store is a run of the other.
    hashes = [set(runs_of(s).scenario_hash) for s in (plain, changed)]
    assert len(hashes[0]) == len(hashes[1]) == 4 and not hashes[0] & hashes[1]


def test_the_default_store_name_says_what_was_set() -> None:
    from cli.sweep import set_suffix

    assert set_suffix({}) == ""
    assert set_suffix({"disputes.relapse_base": 0}) == "--relapse_base=0"
    assert set_suffix({"run.warmup_weeks": 0, "effects.legal_advice_success": 0.0}) == (
        "--warmup_weeks=0-legal_advice_success=0.0")
    assert set_suffix({}, 20240411) == "--seed=20240411"
    assert set_suffix({"disputes.relapse_base": 0}, 7) == "--relapse_base=0-seed=7"
    odd = set_suffix({"network.file": "../ties/a b.csv"})  # not a plain file name
    assert odd.startswith("--set-") and len(odd) == len("--set-") + 8
    assert odd != set_suffix({"network.file": "../ties/a c.csv"})


def test_seed_on_the_command_line_runs_the_same_design_on_other_draws(tmp_path: Path,
                                                                     monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mini.yaml").write_text(TINY.replace("replications: 3", "replications: 2"),
                                        encoding="utf-8")
    plain = load_experiment(tmp_path / "mini.yaml")
    other = load_experiment(tmp_path / "mini.yaml", seed=12)
    assert plain.seed == 11 and other.seed == 12
    assert other.definition_hash != plain.definition_hash
    # Every run's seed derives from the experiment's (common random numbers: the same
    # replication has the same seed at every point).
    assert {other.seed_for(p, r) for p in range(other.n_points) for r in (0, 1)} == {
        run_seed(12, (r,)) for r in (0, 1)}
    assert main(["sweep", "mini.yaml", "--seed", "12", "--workers", "1", "--no-progress"]) == 0
    runs = runs_of(tmp_path / "results" / "mini--seed=12.duckdb")
    assert set(runs.seed) == {run_seed(12, (r,)) for r in (0, 1)}
    with pytest.raises(ScenarioError) as caught:
        load_experiment(tmp_path / "mini.yaml", seed=-1)
    (problem,) = caught.value.problems
    assert problem.path == "--seed" and problem.file is None
