"""A sweep on a real Dask distributed cluster gives the same rows as the local process pool.

The test starts a scheduler and two single-threaded worker processes on the loopback
interface, points `run_sweep` at the scheduler's tcp:// address as `cogov sweep
--scheduler` does, and compares the stored rows with a process-pool sweep's.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from experiments.design import load_experiment
from experiments.pool import BackendError
from experiments.store import read_store
from experiments.sweep import run_sweep

distributed = pytest.importorskip("dask.distributed")

EXPERIMENT = """\
base: default
set:
  population.residents: 500
factors:
  levers.rule_of_law.enforcement:
    levels: [0.1, 0.9]
  levers.smart_governance.platform_coverage:
    low: 0.1
    high: 0.9
design: latin_hypercube
samples: 4
replications: 2
steps: 8
seed: 5
outcomes: [resolution_rate, trust, welfare_gini, arisen]
"""
COLUMNS = ["run_id", "point", "replication", "seed", "levers.rule_of_law.enforcement",
           "levers.smart_governance.platform_coverage", "resolution_rate", "trust",
           "welfare_gini", "arisen", "scenario_hash", "status"]


def rows(store: Path) -> pd.DataFrame:
    runs = read_store(store)[1]
    return runs.sort_values("run_id").reset_index(drop=True)[COLUMNS]


def test_dask_cluster_and_process_pool_store_identical_rows(tmp_path: Path) -> None:
    path = tmp_path / "dask.yaml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    exp = load_experiment(path)
    pool_store, dask_store = tmp_path / "pool.duckdb", tmp_path / "dask.duckdb"
    run_sweep(exp, pool_store, workers=2, progress=False)

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        report = run_sweep(exp, dask_store, scheduler=address, progress=False)
        assert report.ran == exp.n_runs == 8 and report.failed == 0
        hosts = read_store(dask_store)[1].host
        assert hosts.notna().all()

    pd.testing.assert_frame_equal(rows(pool_store), rows(dask_store), check_exact=True)


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("experiments.pool.CONNECT_TIMEOUT", "1s")
    path = tmp_path / "dask.yaml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    exp = load_experiment(path)
    with pytest.raises(BackendError, match="cannot reach the Dask scheduler"):
        run_sweep(exp, tmp_path / "x.duckdb", scheduler="tcp://127.0.0.1:9", progress=False)
