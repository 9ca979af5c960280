"""A sweep store that is damaged, copied mid-sweep, or made by another model.

- A store with bytes overwritten or cut short is refused with what to do, by `sweep` and
  by `analyze`, never resumed as if its runs were there and never a DuckDB traceback.
- Runs are checkpointed into the .duckdb file as the sweep goes, so the file alone (the
  .wal left behind) holds them.
- The model (version and code fingerprint) is part of the experiment's identity: a store
  made by other model code is not resumed, and a worker running other model code has its
  runs stored as failures.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from concurrent.futures import Executor, Future
from pathlib import Path

import numpy as np
import pytest

from cli.main import main
from experiments import design as design_module
from experiments import store as store_module
from experiments.design import load_experiment
from experiments.execute import execute_run
from experiments.store import Store, StoreError, read_store
from experiments.sweep import run_sweep

TINY = """\
base: default
set:
  population.residents: 300
factors:
  levers.rule_of_law.enforcement:
    levels: [0.1, 0.9]
  levers.self_governance.councils:
    levels: [0.2, 0.8]
replications: 2
steps: 4
seed: 3
outcomes: [resolution_rate, trust, arisen]
"""


def call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def experiment_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def finished_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    path = folder / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    store = folder / "tiny.duckdb"
    report = run_sweep(load_experiment(path), store, workers=1, progress=False)
    assert report.stored_ok == 8
    return store


def damaged_copy(store: Path, folder: Path, how: str) -> Path:
    copy = folder / "tiny.duckdb"
    shutil.copy(store, copy)
    data = bytearray(copy.read_bytes())
    if how == "overwritten":  # random bytes over the middle half of the file
        lo, hi = len(data) // 4, 3 * len(data) // 4
        data[lo:hi] = np.random.default_rng(0).bytes(hi - lo)
    elif how == "truncated":
        del data[len(data) // 3:]
    else:  # cut inside the header
        del data[100:]
    copy.write_bytes(bytes(data))
    return copy


# ------------------------------------------------------------------ damaged stores


@pytest.mark.parametrize("how", ["overwritten", "truncated", "header"])
def test_sweep_refuses_a_damaged_store_and_says_what_to_do(
        finished_store: Path, experiment_file: Path, tmp_path: Path, how: str) -> None:
    copy = damaged_copy(finished_store, tmp_path, how)
    code, out, err = call(["sweep", str(experiment_file), "--store", str(copy),
                           "--workers", "1", "--no-progress"])
    assert code == 2, out + err
    assert "nothing to do" not in out
    assert "damaged" in err and "move it aside" in err and "Traceback" not in err


@pytest.mark.parametrize("how", ["overwritten", "truncated", "header"])
def test_analyze_refuses_a_damaged_store_with_a_message(finished_store: Path,
                                                        tmp_path: Path, how: str) -> None:
    copy = damaged_copy(finished_store, tmp_path, how)
    code, out, err = call(["analyze", str(copy), "--out", str(tmp_path / "report")])
    assert code == 2, out + err
    assert "damaged" in err and "Traceback" not in err
    assert not (tmp_path / "report").exists()


def test_an_intact_store_is_resumed(finished_store: Path, experiment_file: Path,
                                    tmp_path: Path) -> None:
    copy = tmp_path / "tiny.duckdb"
    shutil.copy(finished_store, copy)
    code, out, err = call(["sweep", str(experiment_file), "--store", str(copy),
                           "--workers", "1", "--no-progress"])
    assert code == 0, err
    assert "all 8 runs are already in" in out


# ------------------------------------------------------------------ checkpoints


def test_the_duckdb_file_alone_holds_the_runs_stored_so_far(
        experiment_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "CHECKPOINT_SECONDS", 0.0)  # after every commit
    exp = load_experiment(experiment_file)
    path = tmp_path / "live.duckdb"
    store = Store.open(path, exp)
    try:
        for p, r in [(0, 0), (0, 1), (1, 0)]:
            store.write(p, r, exp.seed_for(p, r), execute_run(exp.task(p, r)))
        copy = tmp_path / "copy" / "live.duckdb"  # as a user copies a running sweep's file
        copy.parent.mkdir()
        shutil.copy(path, copy)
    finally:
        store.close()
    runs = read_store(copy)[1]
    assert sorted(zip(runs.point, runs.replication, strict=True)) == [(0, 0), (0, 1), (1, 0)]
    # and closing the store leaves no log behind: the file holds everything
    assert not path.with_name(path.name + ".wal").exists()


# ------------------------------------------------------------------ the model's identity


def test_a_store_made_by_other_model_code_is_not_resumed(
        finished_store: Path, experiment_file: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "tiny.duckdb"
    shutil.copy(finished_store, copy)
    before = load_experiment(experiment_file).model_code
    monkeypatch.setattr(design_module, "model_fingerprint", lambda: "0123456789abcdef")
    exp = load_experiment(experiment_file)  # the same file, read by an "upgraded" model
    assert exp.model_code == "0123456789abcdef"
    with pytest.raises(StoreError) as info:
        Store.open(copy, exp)
    text = str(info.value)
    assert "the model changed" in text and before in text and "0123456789abcdef" in text


class OtherModelExecutor(Executor):
    """Runs tasks here but reports them as computed by other model code, as a cluster
    worker with another cogov installed would."""

    def submit(self, fn, /, *args, **kwargs) -> Future:  # type: ignore[override]
        fut: Future = Future()
        rec = fn(*args, **kwargs)
        rec.model_code = "ffffffffffffffff"
        fut.set_result(rec)
        return fut


def test_runs_from_a_worker_with_other_model_code_are_stored_as_failures(
        experiment_file: Path, tmp_path: Path) -> None:
    exp = load_experiment(experiment_file)
    store = tmp_path / "mixed.duckdb"
    report = run_sweep(exp, store, executor=OtherModelExecutor(), progress=False)
    assert report.failed == 8 and report.stored_ok == 0
    runs = read_store(store)[1]
    assert (runs.status == "error").all()
    assert runs.error.str.contains("runs other model code").all()
    # the same sweep with this model's workers replaces them
    report = run_sweep(exp, store, workers=1, progress=False)
    assert report.stored_ok == 8
    runs = read_store(store)[1]
    assert (runs.status == "ok").all() and (runs.model_code == exp.model_code).all()


def test_a_store_whose_making_was_interrupted_is_made_again(experiment_file: Path,
                                                            tmp_path: Path) -> None:
    import duckdb

    exp = load_experiment(experiment_file)
    path = tmp_path / "half.duckdb"
    Store.open(path, exp).close()
    con = duckdb.connect(str(path))  # as if stopped while the design was being written
    con.execute("DELETE FROM experiment")
    con.execute("DELETE FROM points WHERE point > 1")
    con.close()
    report = run_sweep(exp, path, workers=1, progress=False)
    assert report.stored_ok == 8
    experiment, runs, points = read_store(path)
    assert experiment["definition_hash"] == exp.definition_hash
    assert list(points.point) == list(range(exp.n_points)) and len(runs) == 8
