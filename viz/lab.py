"""One trainer's session: the policy mixes, the seed, the models, and what went wrong.

`Lab` holds no UI: the page calls its methods and reads `frame()`. Every change of a
control (scenario, lever, seed, county size, compare mode) rebuilds the model(s) from
`with_values(load_scenario(source), changes)` and restarts at week 0, both mixes with the
same seed, so a difference between them comes from the levers and not from chance.

A change whose scenario is invalid leaves the last valid run in place and keeps the
problems (`Mix.problems`, each a `Problem.format()` text) for the page to show; no
exception leaves `Lab`, and every model operation holds `lock` (the play loop runs in
another thread).

The page may be served to a whole room (`cogov app --host 0.0.0.0`), so what it reads and
builds is bounded. Scenarios are read through a `Sandbox`: they may extend only bundled
scenarios and files uploaded in this session (or in a scenario folder the server offers),
and read network files only from there; messages name files as the user knows them,
never by a server path. Uploads live in a private folder deleted when the session ends
(`close`) or the server stops. Counties are capped by `APP_LIMITS`, lower than the model's
own bounds: a county is built while the trainer waits, on a server others share.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulation.model import CoGovernanceModel
from simulation.network import NetworkFileError
from simulation.scenario import (
    Scenario,
    ScenarioError,
    bundled_names,
    load_scenario,
    scenario_dir,
    with_values,
)
from simulation.scenario.files import SCENARIO_SUFFIXES, Refused, Sandbox
from simulation.scenario.memory import check_fits_in_memory
from simulation.scenario.schema import Caps
from simulation.tie_file import TIE_FILE_SUFFIXES
from simulation.trail import DisputeTrail
from viz.charts import Funnel, funnel_of
from viz.controls import RESIDENTS_PATH, SEED_RANGE, lever_controls, snap, value_at
from viz.events import Event, events_of
from viz.series import SeriesBook

log = logging.getLogger("cogov.app")

MIX_NAMES = ("A", "B")
DEFAULT_SOURCES = ("default", "fengqiao")
SPEEDS = (1, 2, 4, 8, 13)  # weeks per frame while playing
# How `cogov app --scenario-folder` tells the page (solara runs app.py in the server's
# process): the folder whose files the page may load by name.
FOLDER_ENV = "COGOV_APP_SCENARIO_FOLDER"


@dataclass(frozen=True)
class AppLimits:
    """The browser view's own bounds, lower than the model's (`cogov run` has those).

    A county is built while the trainer waits, in one server shared by everyone on the
    page: 50,000 residents build in about a second and step in well under one (10,000 is
    the default county); 1,040 weeks are twenty years; an upload is a scenario (at most
    1 MB is read anyway) or a network file of a county within the resident cap.
    """

    residents: int = 50_000
    steps: int = 1_040
    upload_bytes: int = 2_000_000

    @property
    def caps(self) -> Caps:
        return Caps({"population.residents": self.residents, "run.steps": self.steps},
                    "the browser view", "run larger counties and longer runs with `cogov run`")


APP_LIMITS = AppLimits()
UPLOAD_STEM_BYTES = 120  # an uploaded file's name is cut to this (a file name has 255)


class BuildError(Exception):
    """A scenario or model that could not be built; `lines` say why, for the page."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass
class Mix:
    """One policy mix: a scenario source, the levers moved from it, and its run."""

    name: str  # "A" or "B"
    source: str  # bundled scenario name or path to a .yaml file
    overrides: dict[str, float] = field(default_factory=dict)  # lever path -> value
    scenario: Scenario | None = None  # source + overrides, validated
    model: CoGovernanceModel | None = None
    problems: list[str] = field(default_factory=list)  # from the last rejected change
    book: SeriesBook | None = None  # the model's chart series
    trail: DisputeTrail | None = None  # each dispute's path, for "follow a dispute"

    @property
    def label(self) -> str:
        return Path(self.source).stem if self.source.endswith((".yaml", ".yml")) else self.source

    def lever_value(self, path: str) -> float:
        """The lever's value in this mix's run (the scenario's, or where it was moved)."""
        if path in self.overrides:
            return self.overrides[path]
        return float(value_at(self.scenario, path)) if self.scenario is not None else 0.0


@dataclass(frozen=True)
class MixFrame:
    """What the page shows for one mix in one week: its series (`viz.series`), this
    week's value of each (`now`), the funnel and the events so far."""

    index: int
    name: str
    label: str
    week: int
    total_weeks: int
    series: dict
    now: dict[str, float]
    funnel: Funnel
    events: tuple[Event, ...]
    overrides: int  # levers moved from the scenario


def build_scenario(source: str, changes: dict[str, Any], files: Sandbox) -> Scenario:
    """`with_values(load_scenario(source), changes)` through the sandbox and within
    `APP_LIMITS`; BuildError with readable lines."""
    caps = APP_LIMITS.caps
    # The file's own values are checked where the file sets them (file and line), except
    # those the page changes: those are checked as changed.
    own = caps._replace(bounds={p: v for p, v in caps.bounds.items() if p not in changes})
    try:
        scenario = load_scenario(source, files=files, caps=own)
        return with_values(scenario, changes, caps=caps) if changes else scenario
    except ScenarioError as exc:
        raise BuildError([p.format() for p in exc.problems]) from None


def build_model(source: str, scenario: Scenario, seed: int,
                files: Sandbox) -> CoGovernanceModel:
    """The model for a scenario; BuildError (never a traceback) when it cannot be built."""
    try:
        check_fits_in_memory(scenario)  # what this server can hold, before building
        return CoGovernanceModel(scenario, rng=seed, scenario_dir=scenario_dir(source, files),
                                 max_residents=APP_LIMITS.residents)
    except ScenarioError as exc:
        raise BuildError([p.format() for p in exc.problems]) from None
    except NetworkFileError as exc:  # names the file as the scenario does
        raise BuildError([str(exc)]) from None
    except MemoryError:
        raise BuildError(["not enough memory for a county this size"]) from None
    except Exception as exc:  # a bug: log it in full for us, name only its kind to the room
        log.exception("building the model for %s failed", source)
        raise BuildError([f"the county could not be built ({type(exc).__name__}); the "
                          "server log says why"]) from None


def _remove_folder(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


class Lab:
    """The session's state; see the module docstring."""

    def __init__(self, sources: tuple[str, str] = DEFAULT_SOURCES, seed: int = 0,
                 residents: int | None = None, folder: Path | None = None) -> None:
        """`folder`: a scenario folder the server offers (`cogov app --scenario-folder`),
        whose scenario and network files the page may load by name."""
        self.lock = threading.RLock()
        self.folder = Path(folder).resolve() if folder is not None else None
        self._upload_dir: Path | None = None
        self._cleanup: weakref.finalize | None = None
        picked = [s if self._readable(s) else "default" for s in sources]
        self.mixes = [Mix(n, s) for n, s in zip(MIX_NAMES, picked, strict=True)]
        self.seed = seed
        self.shared: dict[str, Any] = {} if residents is None else {RESIDENTS_PATH: residents}
        self.compare = False
        self.speed = SPEEDS[0]
        self.user_sources: list[str] = []
        self.uploaded: set[str] = set()  # names of this session's uploads among user_sources
        self.error: str | None = None  # an unexpected failure while stepping
        self.problems: list[str] = []  # a rejected change of seed or county size
        self.step_seconds = 0.0  # time of the last step() call
        self.notice: str | None = None  # what the last upload of a network file did
        with self.lock:
            self._rebuild([self.mixes[0]], keep_on_error=False)

    # ------------------------------------------------------------ reading

    @property
    def active(self) -> list[Mix]:
        return self.mixes[:2] if self.compare else self.mixes[:1]

    @property
    def week(self) -> int:
        model = self.mixes[0].model
        return model.week if model is not None else 0

    @property
    def total_weeks(self) -> int:
        weeks = [m.scenario.run.steps for m in self.active if m.scenario is not None]
        return min(weeks) if weeks else 0

    @property
    def finished(self) -> bool:
        return self.week >= self.total_weeks

    @property
    def sources(self) -> list[str]:
        return [*bundled_names(), *self.user_sources]

    @property
    def files(self) -> Sandbox:
        """What this session's scenarios may read: its uploads and the server's folder."""
        folders = [f for f in (self._upload_dir, self.folder) if f is not None]
        described = "files uploaded in this session"
        if self.folder is not None:
            described += " or in the server's scenario folder"
        return Sandbox(folders, described)

    def _readable(self, source: str) -> bool:
        try:
            return self.files.scenario(source, None) is not None
        except Refused:
            return False

    @property
    def residents(self) -> int:
        model = self.mixes[0].model
        return model.n_residents if model is not None else 0

    def frame(self) -> list[MixFrame]:
        """What the page draws for every active mix that has a model."""
        out = []
        with self.lock:
            for i, mix in enumerate(self.active):
                model, book = mix.model, mix.book
                if model is None or mix.scenario is None or book is None:
                    continue
                series = book.series()
                out.append(MixFrame(
                    i, mix.name, mix.label, model.week, mix.scenario.run.steps, series,
                    book.last(), funnel_of(model.record[-1]),
                    tuple(events_of(mix.scenario, series)), len(mix.overrides)))
        return out

    # ------------------------------------------------------------ changes

    def set_source(self, index: int, source: str) -> bool:
        """Pick a scenario (bundled name or file path) for a mix; its levers start afresh."""
        mix = self.mixes[index]
        return self._change(mix, lambda: (setattr(mix, "source", source),
                                          setattr(mix, "overrides", {})))

    def set_lever(self, index: int, path: str, value: float) -> bool:
        return self.set_levers({index: {path: value}})

    def set_levers(self, moves: dict[int, dict[str, float]]) -> bool:
        """Move several levers of one or both mixes at once (one rebuild for all);
        values are snapped to the sliders' steps and bounds."""
        controls = {c.path: c for c in lever_controls()}
        new = {i: {**self.mixes[i].overrides,
                   **{p: snap(controls[p], v) for p, v in changes.items()}}
               for i, changes in moves.items()}

        def apply() -> None:
            for i, overrides in new.items():
                self.mixes[i].overrides = overrides

        mix = self.mixes[next(iter(moves))] if len(moves) == 1 else None
        return self._change(mix, apply)

    def set_mix(self, index: int, source: str, levers: dict[str, float]) -> bool:
        """A scenario and lever values for a mix, in one rebuild (the guide's steps)."""
        controls = {c.path: c for c in lever_controls()}
        mix = self.mixes[index]
        overrides = {p: snap(controls[p], v) for p, v in levers.items()}
        return self._change(mix, lambda: (setattr(mix, "source", source),
                                          setattr(mix, "overrides", overrides)))

    def reset_levers(self, index: int) -> bool:
        mix = self.mixes[index]
        return self._change(mix, lambda: setattr(mix, "overrides", {}))

    def configure(self, *, seed: int | None = None, residents: int | None = None,
                  compare: bool | None = None,
                  mixes: dict[int, tuple[str | None, dict[str, float]]] | None = None) -> bool:
        """Several changes in one rebuild (a guided step, a shared link): the seed, the
        county's size, compare mode, and for some mixes a scenario (None: keep it) and lever
        values (replacing the moved ones). All or nothing, like every change."""
        lo, hi = SEED_RANGE
        if seed is not None and (not isinstance(seed, int) or not lo <= seed <= hi):
            return self.set_seed(seed)  # refused, and said why
        controls = {c.path: c for c in lever_controls()}
        changes = {i: (source, {p: snap(controls[p], v) for p, v in levers.items()
                                if p in controls})
                   for i, (source, levers) in (mixes or {}).items()}

        def apply() -> None:
            if seed is not None:
                self.seed = seed
            if residents is not None:
                self.shared = {**self.shared, RESIDENTS_PATH: int(residents)}
            if compare is not None:
                self.compare = bool(compare)
            for i, (source, overrides) in changes.items():
                if source is not None:
                    self.mixes[i].source = source
                self.mixes[i].overrides = overrides

        mix = self.mixes[next(iter(changes))] if len(changes) == 1 else None
        return self._change(mix, apply)

    def set_seed(self, seed: int) -> bool:
        lo, hi = SEED_RANGE
        if not isinstance(seed, int) or not lo <= seed <= hi:
            self.problems = [f"seed: out of range\n  allowed: a whole number from {lo} to "
                             f"{hi:,}; got: {seed}"]
            return False
        return self._change(None, lambda: setattr(self, "seed", int(seed)))

    def set_residents(self, residents: int) -> bool:
        new = {**self.shared, RESIDENTS_PATH: int(residents)}
        return self._change(None, lambda: setattr(self, "shared", new))

    def set_compare(self, on: bool) -> bool:
        return self._change(None, lambda: setattr(self, "compare", bool(on)))

    def set_speed(self, speed: int) -> None:
        self.speed = int(speed) if int(speed) in SPEEDS else SPEEDS[0]

    def reset(self) -> bool:
        """Rebuild every active mix at week 0 (re-reading scenario files)."""
        return self._change(None, lambda: None)

    def load_file(self, index: int, name: str) -> bool:
        """Use a scenario file for a mix, if it is valid: an uploaded file, or one in the
        server's scenario folder, by its name there."""
        name = name.strip()
        if not name:
            return False
        ok = self.set_source(index, name)
        if ok and name not in self.sources:
            self.user_sources.append(name)
        return ok

    def upload(self, index: int, filename: str, data: bytes, size: int = 0) -> bool:
        """A file dropped on the page, saved in this session's private folder.

        A scenario (.yaml) is loaded for the mix; a network file (.txt, .csv, .edgelist,
        .graphml) is kept for scenarios uploaded later to name in `network.file`. A name
        like a bundled scenario's gets `_uploaded` added, so `extends: fengqiao` in a later
        upload still means the bundled one. `size`: the size the browser announced, if
        it sent the file lazily (refused above the limit before it is read).
        """
        mix = self.mixes[index]
        self.notice = None
        name = upload_name(filename)
        suffix = Path(name).suffix.lower()
        limit = APP_LIMITS.upload_bytes
        if suffix not in (*SCENARIO_SUFFIXES, *TIE_FILE_SUFFIXES):
            mix.problems = [f"{name}: the page takes a scenario (.yaml) or a network file ("
                            + ", ".join(TIE_FILE_SUFFIXES) + ")"]
            return False
        size = max(size, len(data))
        if size > limit:
            mix.problems = [f"{name}: the file is too large ({size:,} bytes; the browser "
                            f"view takes at most {limit:,})"]
            return False
        if suffix in SCENARIO_SUFFIXES and Path(name).stem in bundled_names():
            name = f"{Path(name).stem}_uploaded{suffix}"
        path = self._uploads() / name
        before = path.read_bytes() if path.is_file() else None
        path.write_bytes(data)
        if suffix in TIE_FILE_SUFFIXES:
            mix.problems = []
            self.notice = name
            return True
        if self.load_file(index, name):
            self.uploaded.add(name)
            return True
        # Keep only scenarios that load: put back the one this upload replaced, if any.
        if before is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(before)
        return False

    def _uploads(self) -> Path:
        """This session's private upload folder, made on first use."""
        if self._upload_dir is None:
            self._upload_dir = Path(tempfile.mkdtemp(prefix="cogov-upload-")).resolve()
            # Deleted by close(), when the Lab is collected, or at the latest at exit.
            self._cleanup = weakref.finalize(self, _remove_folder, self._upload_dir)
        return self._upload_dir

    def close(self) -> None:
        """The session ended: delete its uploads."""
        if self._cleanup is not None:
            self._cleanup()

    # ------------------------------------------------------------ running

    def step(self, weeks: int = 1) -> None:
        """Advance every active model `weeks` weeks (not past the run's end)."""
        start = time.perf_counter()
        with self.lock:
            try:
                for _ in range(weeks):
                    if self.finished:
                        break
                    for mix in self.active:
                        if mix.model is not None:
                            mix.model.step()
                            if mix.trail is not None:
                                mix.trail.observe()
            except Exception as exc:  # a bug in the model: stop, say so, keep the page up
                log.exception("step failed")
                self.error = type(exc).__name__  # the message could name server paths
        self.step_seconds = time.perf_counter() - start

    # ------------------------------------------------------------ internals

    def _change(self, mix: Mix | None, apply) -> bool:
        """Apply a change, rebuild every active mix; undo the change if any build fails."""
        with self.lock:
            saved = (self.seed, dict(self.shared), self.compare,
                     [(m.source, dict(m.overrides)) for m in self.mixes])
            apply()
            if self._rebuild(self.active, keep_on_error=True):
                self.problems = []
                self.error = None
                if mix is not None:
                    mix.problems = []
                return True
            self.seed, self.shared, self.compare = saved[0], saved[1], saved[2]
            for m, (source, overrides) in zip(self.mixes, saved[3], strict=True):
                m.source, m.overrides = source, overrides
            return False

    def _rebuild(self, mixes: list[Mix], keep_on_error: bool) -> bool:
        """Build every mix's scenario and model; commit all or none (`keep_on_error`)."""
        built: list[tuple[Mix, Scenario, CoGovernanceModel]] = []
        failed = False
        for mix in mixes:
            try:
                files = self.files
                scenario = build_scenario(mix.source, {**self.shared, **mix.overrides}, files)
                built.append((mix, scenario, build_model(mix.source, scenario, self.seed,
                                                         files)))
            except BuildError as exc:
                mix.problems = exc.lines
                failed = True
        if failed and keep_on_error:
            return False
        for mix, scenario, model in built:
            mix.scenario, mix.model = scenario, model
            mix.book = SeriesBook(lambda m=model: m.record, model.n_residents)
            mix.trail = DisputeTrail(model)
            mix.problems = []
        return not failed


def upload_name(filename: str) -> str:
    """A safe name in the upload folder for a file the browser sent: its own name without
    any folder, characters other than letters, digits, '_', '-' and '.' replaced, cut to
    `UPLOAD_STEM_BYTES`; `.yaml` when it has no suffix."""
    base = Path(filename.replace("\\", "/")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    if not re.fullmatch(r"\.[a-z]+", suffix or "."):
        stem, suffix = base, ""
    stem = re.sub(r"[^\w.-]", "_", stem).lstrip(".")
    stem = stem.encode("utf-8")[:UPLOAD_STEM_BYTES].decode("utf-8", "ignore") or "uploaded"
    return stem + (suffix or ".yaml")
