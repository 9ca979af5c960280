"""The results of a sweep: one embedded DuckDB database file, written run by run.

Tables:
  experiment  one row: the experiment file's name, path and text, the hash of its
              definition (everything that decides the numbers), the definition as JSON,
              the design, counts, the creation time and the cogov version.
  points      one row per design point: `point`, `varied` (one-at-a-time designs: the
              factor this point moves) and one column per factor.
  runs        one row per run, committed as the run completes (runs completing together
              share a transaction):
              run_id, point, replication, seed, one column per factor, base_scenario,
              steps, one column per kept outcome (NULL where undefined), scenario_hash,
              cogov_version, model_code (the fingerprint of the model code that ran it),
              status ('ok' or 'error'), error, traceback, started and finished (UTC),
              duration_s and host.

With `series: true`, each run's weekly record is a Parquet file in the folder
`<store>.series/` (written before the run's row, so a row always has its file).
A store belongs to one experiment definition, the model that computes it included (its
version and code fingerprint); opening it with another is refused.

Safety. An existing store is read through once when it is opened: a damaged file (bytes
overwritten, a truncated copy) is reported with what to do instead of being resumed as
if its runs were there. Committed runs sit in DuckDB's write-ahead log (`.wal`) until a
checkpoint moves them into the `.duckdb` file; the store checkpoints every
CHECKPOINT_SECONDS and when it is closed, so the `.duckdb` file alone (copied, say,
after the sweep was killed) holds all but the last few seconds' runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from experiments.design import Experiment
from experiments.execute import RunRecord, utc_now
from simulation import __version__

if TYPE_CHECKING:
    import duckdb
    import pandas as pd


POINTS_CHUNK = 50_000  # design points written to the points table at a time
CHECKPOINT_SECONDS = 10.0  # move committed runs from the .wal into the .duckdb this often


class StoreError(Exception):
    """A store that cannot be used: another experiment's, locked, or not a sweep store."""


def quote(name: str) -> str:
    """A SQL identifier: factor names have dots ("levers.rule_of_law.enforcement")."""
    return '"' + name.replace('"', '""') + '"'


def series_dir(store: Path) -> Path:
    return store.with_name(store.name.removesuffix(".duckdb") + ".series")


def _factor_type(kind: str) -> str:
    return {"number": "DOUBLE", "integer": "BIGINT"}.get(kind, "VARCHAR")


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database file; a lock held by another process becomes a StoreError."""
    import duckdb

    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            pid = text.split("PID", 1)[1].strip(" )").split(")")[0] if "PID" in text else "?"
            raise StoreError(
                f"{path} is in use by another process (PID {pid}); is a sweep still writing "
                "it? Wait for it to finish, or stop it, and try again") from None
        raise StoreError(f"{path} cannot be opened: {text}. {DAMAGED_ADVICE}") from None
    except duckdb.Error as exc:
        raise StoreError(f"{path} is not a DuckDB results file or is damaged ({exc}). "
                         f"{DAMAGED_ADVICE}") from None


DAMAGED_ADVICE = ("If it is a damaged sweep store, move it aside (with its .wal file, if "
                  "any) and run the sweep again: every run is recomputed with the same seeds, "
                  "so the numbers are the same; or restore a backup copy")


def verify(con: duckdb.DuckDBPyConnection, path: Path, tables: tuple[str, ...]) -> None:
    """Read every value of the tables once: a damaged block fails its checksum or is
    missing, and becomes a StoreError saying what to do."""
    import duckdb

    try:
        for table in tables:
            con.execute(f"SELECT count(*), bit_xor(hash(COLUMNS(*))) FROM {quote(table)}"
                        ).fetchall()
    except duckdb.Error as exc:
        raise StoreError(f"{path} is damaged: reading its {table} table failed "
                         f"({str(exc).splitlines()[0]}). Its runs cannot be trusted. "
                         f"{DAMAGED_ADVICE}") from None


class Store:
    """The open results file of one experiment."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, experiment: Experiment):
        self.path = path
        self.con = con
        self.exp = experiment
        self.factor_names = [f.name for f in experiment.factors]
        self.columns = [
            "run_id", "point", "replication", "seed", *self.factor_names, "base_scenario",
            "steps", *experiment.outcomes, "scenario_hash", "cogov_version", "model_code",
            "status", "error", "traceback", "started", "finished", "duration_s", "host",
        ]
        # A plain INSERT is several times cheaper than INSERT OR REPLACE in DuckDB; the rows
        # a run replaces (its earlier failure) are known when the sweep starts.
        self._insert = (f"INSERT INTO runs ({', '.join(map(quote, self.columns))}) "
                        f"VALUES ({', '.join('?' for _ in self.columns)})")
        self._replace: set[str] = set()
        self._checkpointed = time.monotonic()

    # ---------------------------------------------------------------- opening

    @classmethod
    def open(cls, path: str | Path, experiment: Experiment) -> Store:
        """Open (or create) the store of `experiment`; refuse another experiment's store
        and a damaged one."""
        import duckdb

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        con = connect(path)
        try:
            tables = {r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables").fetchall()}
            store = cls(path, con, experiment)
            if not tables:
                store._create()
            elif not {"experiment", "points", "runs"} <= tables:
                raise StoreError(f"{path} is a DuckDB file but not a cogov sweep store "
                                 f"(tables: {', '.join(sorted(tables))}); choose another --store")
            elif store._unfinished():  # made by a sweep stopped while it wrote the design
                store._drop()
                store._create()
            else:
                verify(con, path, ("experiment", "points", "runs"))
                store._check_same_definition()
            return store
        except duckdb.Error as exc:
            con.close()
            raise StoreError(f"{path} cannot be read ({str(exc).splitlines()[0]}). "
                             f"{DAMAGED_ADVICE}") from None
        except BaseException:
            con.close()
            raise

    def _create(self) -> None:
        """Make the tables and write the design; the experiment row comes last, in its
        own commit, and marks the store complete (a store without it is made again)."""
        import pandas as pd

        exp = self.exp
        factor_cols = [f"{quote(f.name)} {_factor_type(f.kind)}" for f in exp.factors]
        outcome_cols = [f"{quote(o)} DOUBLE" for o in exp.outcomes]
        con = self.con
        with self._transaction():
            con.execute("""CREATE TABLE experiment (
                name VARCHAR, file VARCHAR, text VARCHAR, definition_hash VARCHAR,
                definition JSON, description VARCHAR, design VARCHAR, n_points BIGINT,
                replications BIGINT, n_runs BIGINT, seed BIGINT, created TIMESTAMP,
                cogov_version VARCHAR)""")
            con.execute(f"CREATE TABLE points (point BIGINT, varied VARCHAR"
                        f"{''.join(', ' + c for c in factor_cols)})")
            con.execute(f"""CREATE TABLE runs (
                run_id VARCHAR PRIMARY KEY, point BIGINT, replication BIGINT, seed BIGINT,
                {''.join(c + ', ' for c in factor_cols)}
                base_scenario VARCHAR, steps BIGINT,
                {''.join(c + ', ' for c in outcome_cols)}
                scenario_hash VARCHAR, cogov_version VARCHAR, model_code VARCHAR,
                status VARCHAR, error VARCHAR,
                traceback VARCHAR, started TIMESTAMP, finished TIMESTAMP, duration_s DOUBLE,
                host VARCHAR)""")
        design = exp.points
        for start in range(0, exp.n_points, POINTS_CHUNK):  # a design may be huge
            stop = min(start + POINTS_CHUNK, exp.n_points)
            frame = pd.DataFrame({
                "point": np.arange(start, stop, dtype=np.int64),
                "varied": pd.Series([design.varied(i) for i in range(start, stop)],
                                    dtype="object"),
                **design.columns(start, stop)})
            with self._transaction():
                con.register("design_frame", frame)
                con.execute("INSERT INTO points SELECT * FROM design_frame")
                con.unregister("design_frame")
        with self._transaction():
            con.execute(
                "INSERT INTO experiment VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [exp.name, exp.file, exp.text, exp.definition_hash,
                 json.dumps(exp.definition, default=str), exp.description, exp.design,
                 exp.n_points, exp.replications, exp.n_runs, exp.seed, utc_now(),
                 __version__])

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self.con.begin()
        try:
            yield
            self.con.commit()
        except BaseException as exc:
            with contextlib.suppress(Exception):
                self.con.rollback()
            if _is_interrupt(exc):
                raise KeyboardInterrupt from None
            raise

    def _unfinished(self) -> bool:
        """Was this store's making interrupted (tables, but no experiment row and no run)?"""
        made = self.con.execute("SELECT count(*) FROM experiment").fetchone()[0]
        runs = self.con.execute("SELECT count(*) FROM runs").fetchone()[0]
        return made == 0 and runs == 0

    def _drop(self) -> None:
        with self._transaction():
            for table in ("experiment", "points", "runs"):
                self.con.execute(f"DROP TABLE IF EXISTS {table}")

    def _check_same_definition(self) -> None:
        row = self.con.execute(
            "SELECT definition_hash, definition, file, created FROM experiment").fetchone()
        if row is None:
            raise StoreError(f"{self.path} has an empty experiment table; choose another "
                             "--store")
        stored_hash, stored_def, file, created = row
        if stored_hash == self.exp.definition_hash:
            return
        try:
            old = json.loads(stored_def)
        except (TypeError, ValueError):
            old = {}
        new = json.loads(json.dumps(self.exp.definition, default=str))
        changed = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
        what = ", ".join(changed) if changed else "the definition"
        hint = ""
        if "model" in changed:
            was, now = old.get("model") or {}, new["model"]
            hint = (f" (the model changed: this store's runs were computed by cogov "
                    f"{was.get('cogov_version', 'before 0.1.0')}, code "
                    f"{was.get('code', 'unrecorded')}; this is cogov {now['cogov_version']}, "
                    f"code {now['code']}. Runs of two models must not be mixed)")
        elif "base_hashes" in changed:
            hint = (" (the base scenario's values changed: an edited scenario file or new "
                    "model defaults)")
        raise StoreError(
            f"{self.path} holds the results of a different experiment definition: it was "
            f"made from {file} on {created:%Y-%m-%d %H:%M} UTC (definition {stored_hash}), and "
            f"this file's definition ({self.exp.definition_hash}) differs in: {what}{hint}. "
            "Use another --store for the new definition, or delete the old store to start "
            "over.")

    # ---------------------------------------------------------------- runs

    def ok_runs(self) -> np.ndarray:
        """One flag per run of the design (index point * replications + replication): is
        it stored with status 'ok'? Runs stored as failures will be replaced."""
        exp = self.exp
        done = np.zeros(exp.n_runs, dtype=bool)
        ok = self.con.execute("SELECT point, replication FROM runs WHERE status = 'ok'"
                              ).fetchnumpy()
        if len(ok["point"]):
            index = (np.asarray(ok["point"], dtype=np.int64) * exp.replications
                     + np.asarray(ok["replication"], dtype=np.int64))
            done[index[(index >= 0) & (index < exp.n_runs)]] = True
        self._replace = {r for (r,) in self.con.execute(
            "SELECT run_id FROM runs WHERE status <> 'ok'").fetchall()}
        return done

    def counts(self) -> dict[str, int]:
        return dict(self.con.execute(
            "SELECT status, count(*) FROM runs GROUP BY status").fetchall())

    def write(self, point: int, replication: int, seed: int, record: RunRecord) -> None:
        """Record one finished (or failed) run in its own transaction."""
        self.write_many([(point, replication, seed, record)])

    def write_many(self, items: list[tuple[int, int, int, RunRecord]]) -> None:
        """Record runs that finished together, in one transaction (all or none)."""
        exp = self.exp
        rows = []
        for point, replication, seed, record in items:
            values = exp.points[point]
            if record.series is not None:
                self._write_series(record.run_id, record.series)
            duration = (record.finished - record.started).total_seconds()
            rows.append([
                record.run_id, point, replication, seed,
                *(values.get(n) for n in self.factor_names),
                exp.base_name(point), record.steps,
                *(record.outcomes.get(o) for o in exp.outcomes),
                record.scenario_hash, record.cogov_version, record.model_code, record.status,
                record.error,
                record.traceback, _naive(record.started), _naive(record.finished), duration,
                record.host,
            ])
        try:
            self.con.begin()  # inside: an interrupt can land here too
            for row in rows:
                if row[0] in self._replace:
                    self.con.execute("DELETE FROM runs WHERE run_id = ?", [row[0]])
                self.con.execute(self._insert, row)
            self.con.commit()
            self._replace.difference_update(row[0] for row in rows)
        except BaseException as exc:
            try:
                self.con.rollback()
            except Exception:  # an interrupted transaction may be gone already
                pass
            if _is_interrupt(exc):  # DuckDB turns Ctrl-C inside a query into its own error
                raise KeyboardInterrupt from None
            raise
        if time.monotonic() - self._checkpointed >= CHECKPOINT_SECONDS:
            self.checkpoint()

    def checkpoint(self) -> None:
        """Move committed runs from the write-ahead log into the database file."""
        try:
            self.con.execute("CHECKPOINT")
        except BaseException as exc:
            if _is_interrupt(exc):
                raise KeyboardInterrupt from None
            raise
        self._checkpointed = time.monotonic()

    def _write_series(self, run_id: str, frame: pd.DataFrame) -> None:
        folder = series_dir(self.path)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{run_id}.parquet"
        tmp = folder / f".{run_id}.parquet.tmp"
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, final)  # a killed sweep never leaves half a file under the name

    def close(self) -> None:
        """Checkpoint (the .duckdb file then holds every run) and close."""
        import duckdb

        try:
            self.con.execute("CHECKPOINT")
        except (duckdb.Error, RuntimeError):  # e.g. interrupted: DuckDB replays the .wal
            pass
        finally:
            self.con.close()


def _is_interrupt(exc: BaseException) -> bool:
    import duckdb

    return isinstance(exc, duckdb.InterruptException) or (
        isinstance(exc, RuntimeError) and "interrupted" in str(exc).lower())


def _naive(t: datetime) -> datetime:
    return t.replace(tzinfo=None)


# ------------------------------------------------------------------ reading


def read_store(path: str | Path) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """(experiment row with its definition parsed, runs, points) of a finished or partial
    sweep, opened read-only."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"{path} does not exist; `cogov sweep EXPERIMENT --store {path}` "
                         "makes it")
    import duckdb

    con = connect(path, read_only=True)
    try:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        if not {"experiment", "runs", "points"} <= tables:
            raise StoreError(f"{path} is not a cogov sweep store")
        cur = con.execute("SELECT * FROM experiment")
        names = [d[0] for d in cur.description]
        experiment = dict(zip(names, cur.fetchone(), strict=True))
        experiment["definition"] = json.loads(experiment["definition"])
        runs = con.execute("SELECT * FROM runs ORDER BY run_id").df()
        points = con.execute("SELECT * FROM points ORDER BY point").df()
    except duckdb.Error as exc:
        raise StoreError(f"{path} is damaged: reading it failed "
                         f"({str(exc).splitlines()[0]}). {DAMAGED_ADVICE}") from None
    finally:
        con.close()
    return experiment, runs, points
