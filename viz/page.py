"""The Solara page: run controls and levers on the left, headline numbers and tabs on the
right (overview, network, all charts, follow a dispute, all outcomes, about the model).

Why Solara components around the Mesa model rather than `mesa.visualization.SolaraViz`:
SolaraViz holds one model, so it cannot step two policy mixes side by side; its sidebar
and tabs carry fixed English words ("Controls", "Model Parameters", "Page 0"), so the page
could not switch to Chinese; it rebuilds a model from flat keyword parameters only on
Reset and then adds a `scenario=` keyword (a Mesa scenario) that our model reads as its
own scenario (model brief §9), while our controls must rebuild at once through
`with_values(load_scenario(...))`; and its step errors show English text. The play loop
below follows SolaraViz's ModelController (a thread that steps and bumps a counter).

How a frame stays cheap: the charts and the network are drawn in the browser by ECharts
(`viz.echart`) from numbers, and each part of the page reads only the reactive values it
shows, so a frame (`Session.tick`) redraws the week counter, the headline numbers and the
charts in view, not the controls. The play loop waits for the browser to say it has
painted a frame before it sends the next one (`BrowserState`), so a slow screen is never
flooded, and two sessions on one server each cost the server a few milliseconds a frame.

State lives in one `Session` per browser session (its `viz.lab.Lab`, closed, deleting its
uploads, when the session ends). Everything that rebuilds a county runs in the session's
worker thread, one job at a time, with a busy indicator in the title bar meanwhile; lever
moves wait in `viz.moves.LeverMoves` until none has come for a moment, then all are
applied in one rebuild, so none is lost. Every handler is wrapped by `_guard` and every
component by `guarded`, so a failure shows a short message, never a traceback. The page's
state is kept in the address bar (`viz.urlstate`), so a reload or a shared link restores
it.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import reacton.core
import solara
from solara.alias import rv

from simulation.scenario import bundled_names
from viz import markup
from viz.charts import (
    DEFAULT_CHARTS,
    KEY_CHARTS,
    ChartSpec,
    chart_option,
    chart_specs,
    chart_update,
)
from viz.controls import LEVER_PREFIX, LeverControl, lever_groups, residents_spec
from viz.dispute import dispute_in_grids, dispute_view, pick_dispute
from viz.echart import EChart, Plain
from viz.events import merge
from viz.export import series_csv
from viz.i18n import Lang, outcome_label, param_help, param_label, problem_text, t
from viz.lab import APP_LIMITS, DEFAULT_SOURCES, FOLDER_ENV, SPEEDS, Lab, MixFrame
from viz.moves import SETTLE_SECONDS, LeverMoves
from viz.network import (
    COLOUR_BY,
    handler_xy,
    layout_of,
    network_frame,
    network_option,
    network_update,
    social_ties,
)
from viz.series import RATE_MIN_WEEKS
from viz.texts import TABS, lesson, lessons, pick, scenario_title
from viz.urlstate import UrlState, decode, encode
from viz.widgets import BrowserState, Download, FilePick

log = logging.getLogger("cogov.app")
FRAME_SECONDS = 0.2  # at most five frames a second while playing
MIN_GAP_SECONDS = 0.03  # idle time between frames, for clicks to get through
ACK_SECONDS = 0.6  # longest wait for the browser to paint a frame
ACCENT = "#1f3a5f"
UPLOAD_SUFFIXES = ".yaml,.yml,.txt,.csv,.edgelist,.graphml"
# The network picture fills what the header, headline numbers and tabs leave of the screen.
NETWORK_HEIGHT = "max(320px, calc(100vh - 410px))"


def make_lab() -> Lab:
    """A browser session's lab (tests replace this to use a smaller county)."""
    folder = os.environ.get(FOLDER_ENV)
    return Lab(folder=Path(folder) if folder else None)


# ------------------------------------------------------------------ the session


class Session:
    """One browser session: its lab, the page's reactive state, and the worker thread
    that runs whatever rebuilds a county (see the module docstring)."""

    def __init__(self, query: str | None) -> None:
        self.url: UrlState = decode(query)
        self.lab: Lab | None = None
        self.moves = LeverMoves()
        self.jobs: queue.Queue = queue.Queue()
        self.rendered = threading.Event()  # the server has drawn the last frame
        self.shown = threading.Event()  # the browser has painted it
        self.play_to: int | None = None
        self._frames: tuple[tuple, list[MixFrame]] = ((), [])
        self._frames_lock = threading.Lock()
        self.render_context = None  # reacton's, set by Page
        self.file_name = ""  # typed in the box of the server's scenario folder
        # The page's reactive values: a part of the page that reads one redraws when it
        # changes, and only such parts (they are not the state of a component, which
        # would redraw that component and all below it).
        url = self.url
        self.rev = solara.reactive(0)  # the lab changed: controls, headline, everything
        self.tick = solara.reactive(0)  # a frame: what shows the week
        self.lang = solara.reactive(url.lang)
        self.playing = solara.reactive(False)
        self.working = solara.reactive("building")  # what the worker does, or None
        self.tab = solara.reactive(url.tab)
        self.guide = solara.reactive(None)  # (lesson id, step) or None
        self.colour_by = solara.reactive("open")
        self.charts = solara.reactive(DEFAULT_CHARTS)
        self.followed = solara.reactive(None)  # (mix, dispute) or None
        self.follow_missing = solara.reactive(False)
        self.editing = solara.reactive(0)  # the mix the sidebar edits in compare mode
        self.moves_rev = solara.reactive(0)  # a lever moved
        self.inputs = solara.reactive(0)  # a refused seed or county size: reset the boxes

    # ---------------------------------------------------------------- reading

    @property
    def language(self) -> Lang:
        return "zh" if self.lang.value == "zh" else "en"

    def frames(self) -> list[MixFrame]:
        """Every active mix's frame, computed once per frame for all the page's parts."""
        key = (self.rev.value, self.tick.value)
        with self._frames_lock:
            if self._frames[0] != key:
                self._frames = (key, self.lab.frame() if self.lab is not None else [])
            return self._frames[1]

    @property
    def busy(self) -> bool:
        return self.working.value is not None or bool(self.moves)

    # ---------------------------------------------------------------- changing

    def batch(self):
        """Changes made inside are drawn in one pass (Solara would otherwise redraw the
        page once for every part that reads a changed value)."""
        return self.render_context if self.render_context is not None else nullcontext()

    def changed(self) -> None:
        """The lab changed (a rebuild): every part that shows it redraws."""
        with self.batch():
            self.rev.value += 1
            self.tick.value += 1

    def frame(self) -> None:
        """A new frame (a step): every part that shows the week redraws."""
        with self.batch():
            self.tick.value += 1

    def submit(self, fn: Callable[[], Any], label: str = "building") -> None:
        """Run a change that rebuilds the county in the worker thread."""
        self.jobs.put((label, fn))
        if self.working.value is None:
            self.working.value = label

    def job(self, fn: Callable, label: str = "building") -> Callable:
        """A handler that submits `fn(*args)` as a job."""

        def handler(*args):
            self.submit(lambda: fn(*args), label)

        return handler

    def guard(self, fn: Callable) -> Callable:
        """A handler that runs at once and never raises (see `_guard`)."""
        return _guard(self, fn)

    def worker(self, cancel: threading.Event) -> None:
        """The session's worker: builds the first county, then runs jobs and applies lever
        moves, one at a time, until the session ends."""
        try:
            self._run("building", self._start)
            while not cancel.is_set():
                try:
                    self._next_job()
                except Exception:  # a failed redraw must not leave the page without a worker
                    log.exception("the page's worker")
        finally:
            if self.lab is not None:
                self.lab.close()

    def _next_job(self) -> None:
        """Run the next job, or apply the lever moves once they have settled."""
        try:
            label, fn = self.jobs.get(timeout=0.05)
        except queue.Empty:
            if self.moves and self.moves.quiet_for() >= SETTLE_SECONDS:
                self._run("building", self._apply_moves)
            elif self.working.value is not None and not self.moves:
                self.working.value = None
            return
        self._run(label, fn)

    def _run(self, label: str, fn: Callable[[], Any]) -> None:
        try:
            self.working.value = label  # inside: the redraw it starts may fail
            fn()
        except Exception as exc:  # logged in full; the page names only its kind
            log.exception("job failed")
            if self.lab is not None:
                self.lab.error = type(exc).__name__
        self.changed()
        if self.jobs.empty() and not self.moves:
            self.working.value = None

    def _apply_moves(self) -> None:
        taken = self.moves.take()
        try:
            if taken and self.lab is not None:
                self.lab.set_levers(taken)
        finally:
            self.moves.done(taken)
            self.moves_rev.value += 1

    def _start(self) -> None:
        """Build the first county; then restore what the address asks for."""
        self.lab = make_lab()
        url = self.url
        if url.empty:
            return
        self.working.value = "restoring"
        self.tab.value = url.tab
        if url.speed in SPEEDS:
            self.lab.set_speed(url.speed)
        if url.lesson and any(x.id == url.lesson for x in lessons()):
            steps = len(lesson(url.lesson).steps)
            self.guide.value = (url.lesson, min(url.step, steps - 1))
        mixes = {i: (url.sources[i], url.levers[i]) for i in range(2 if url.compare else 1)
                 if url.sources[i] or url.levers[i]}
        lab = self.lab
        if not lab.configure(seed=url.seed, residents=url.residents,
                             compare=url.compare or None, mixes=mixes):
            # Apply what can be, one part at a time, each refused part saying why.
            if url.seed is not None:
                lab.set_seed(url.seed)
            if url.residents is not None:
                lab.set_residents(url.residents)
            if url.compare:
                lab.set_compare(True)
            for i, (source, levers) in mixes.items():
                if source is not None:
                    lab.set_source(i, source)
                if levers:
                    lab.set_levers({i: levers})
        if url.week:
            lab.step(min(url.week, lab.total_weeks))

    def run_step(self, do: dict) -> None:
        """Do what a guided step asks (see viz/texts/guide.yaml)."""
        lab = self.lab
        if lab is None:
            return
        self.playing.value = False
        mixes = {}
        for i, key in enumerate(("a", "b")):
            if key in do:
                spec = do[key] or {}
                levers = {LEVER_PREFIX + p: float(v) for p, v in (spec.get("levers") or {}
                                                                  ).items()}
                mixes[i] = (spec.get("source"), levers)
        compare = True if "b" in do else do.get("compare")
        if mixes or compare is not None:
            self.followed.value = None
            lab.configure(compare=compare, mixes=mixes)
        if "tab" in do:
            self.tab.value = do["tab"]
        if do.get("colour_by") in COLOUR_BY:
            self.colour_by.value = do["colour_by"]
        if "follow" in do:
            self.follow(0, str(do["follow"]))
        if "play_to" in do:
            self.play_to = int(do["play_to"])
            if lab.week < self.play_to:
                self.playing.value = True

    def follow(self, mix: int, kind: str) -> None:
        lab = self.lab
        if lab is None or mix >= len(lab.active) or lab.active[mix].model is None:
            return
        with lab.lock:
            case = pick_dispute(lab.active[mix].model, kind)
        self.followed.value = None if case is None else (mix, case)
        self.follow_missing.value = case is None

    def state(self) -> UrlState:
        """The page's state, for the address bar."""
        lab = self.lab
        if lab is None:
            return self.url
        # A source a new session can read (bundled, or in the server's folder), unless it
        # is the one a fresh page starts with.
        sources: list[str | None] = []
        for mix, fresh in zip(lab.mixes, DEFAULT_SOURCES, strict=True):
            readable = mix.source in lab.sources and mix.source not in lab.uploaded
            sources.append(mix.source if readable and mix.source != fresh else None)
        guide = self.guide.value
        return UrlState(
            lang=self.language, sources=sources,
            levers=[dict(m.overrides) for m in lab.mixes], compare=lab.compare,
            seed=lab.seed or None,
            residents=lab.residents if "population.residents" in lab.shared else None,
            speed=lab.speed if lab.speed != SPEEDS[0] else None, week=lab.week,
            tab=self.tab.value, lesson=guide[0] if guide else None,
            step=guide[1] if guide else 0)

    def on_shown(self, frame: Any) -> None:
        if str(frame) == str(self.tick.value):
            self.shown.set()


def _guard(session: Session, fn: Callable) -> Callable:
    """An event handler that never raises: a failure becomes `lab.error` on the page (by
    its kind only: a message could name server paths; the log has it in full)."""

    def handler(*args):
        try:
            fn(*args)
        except Exception as exc:
            log.exception("handler failed")
            if session.lab is not None:
                session.lab.error = type(exc).__name__
        session.frame()

    return handler


def guarded(fn: Callable) -> Callable:
    """`solara.component`, but a failure while drawing shows a short message in place of
    the component (logged in full on the server), never a traceback on the page."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def draw(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            log.exception("drawing %s failed", fn.__name__)
            bound = signature.bind_partial(*args, **kwargs).arguments
            session = bound.get("session")
            lang = session.language if isinstance(session, Session) else "en"
            Alert(t("draw_failed", lang, what=type(exc).__name__))
            return None

    return solara.component(draw)


def Alert(head: str, lines: list[str] | tuple[str, ...] = ()) -> None:
    """A red notice: a sentence, then the problem lines as they are (solara.Error cannot
    be used: its Alert does not fit Vuetify 3)."""
    body = f'<pre class="cogov-problems">{_esc(chr(10).join(lines))}</pre>' if lines else ""
    solara.HTML(tag="div", unsafe_innerHTML=f'<div class="head">{_esc(head)}</div>{body}',
                classes=["cogov-alert"])


def _esc(text: str) -> str:
    from html import escape

    return escape(text)


@solara.component
def Html(html: str, classes: tuple[str, ...] = ()):
    solara.HTML(tag="div", unsafe_innerHTML=html, classes=list(classes))


def mix_heading(frame: MixFrame, lang: Lang, compare: bool) -> str:
    """'A · default' (and how many levers were moved from the scenario)."""
    name = f"{frame.name} · {frame.label}" if compare else frame.label
    if frame.overrides:
        name += f" ({t('levers_moved', lang, n=frame.overrides)})"
    return name


# ------------------------------------------------------------------ the page


@solara.component
def Layout(children=()):
    """Replaces Solara's AppLayout: the page draws its own header and two columns."""
    solara.Div(children=list(children), style={"margin": "0", "padding": "0"})


@solara.component
def Page():
    router = solara.use_router()
    session = solara.use_memo(lambda: Session(router.search), [])
    session.render_context = reacton.core.get_render_context()
    solara.use_thread(session.worker, dependencies=[], intrusive_cancel=False)
    # The session's end deletes its uploads (the worker does too, as it stops).
    solara.use_effect(lambda: lambda: session.lab.close() if session.lab else None, [])
    solara.Style(markup.CSS)
    Player(session)
    Shell(session)


@solara.component
def Player(session: Session):
    """The play loop: steps the lab, lets the page draw, waits for the browser."""
    playing = session.playing.value

    def play_loop(cancel: threading.Event) -> None:
        lab = session.lab
        while session.playing.value and not cancel.is_set() and lab is not None:
            start = time.perf_counter()
            stop = session.play_to if session.play_to is not None else lab.total_weeks
            if lab.finished or lab.week >= stop or lab.error:
                session.play_to = None
                session.playing.value = False
                break
            if session.busy:  # a county is being built: the new one starts at week 0
                cancel.wait(0.1)
                continue
            lab.step(min(lab.speed, stop - lab.week))
            session.rendered.clear()
            session.shown.clear()
            session.frame()
            session.rendered.wait(timeout=10)
            session.shown.wait(timeout=ACK_SECONDS)
            cancel.wait(max(MIN_GAP_SECONDS, FRAME_SECONDS - (time.perf_counter() - start)))

    solara.use_thread(play_loop, dependencies=[playing], intrusive_cancel=False)


@guarded
def Shell(session: Session):
    lang = session.language
    solara.Title(f"cogov — {t('app_title', lang)}")  # the browser tab
    Header(session)
    with solara.Div(classes=["cogov-shell"]):
        with solara.Div(classes=["cogov-side"]):
            RunCard(session)
            MixCard(session)
            LeverCard(session)
            CountyCard(session)
        with solara.Div(classes=["cogov-body"]):
            Main(session)
    Clock(session)


@guarded
def Clock(session: Session):
    """The frame counter and the address bar (see `BrowserState`)."""
    tick = session.tick.value
    solara.use_effect(session.rendered.set, [tick])
    query = None
    if session.lab is not None and session.working.value is None:
        query = encode(session.state())
    BrowserState(query=query, frame=tick, event_shown=session.on_shown)


@guarded
def Header(session: Session):
    lang = session.language
    lab = session.lab
    working = session.working.value

    def set_compare(on: bool) -> None:
        session.playing.value = False
        session.followed.value = None
        session.editing.value = 0
        if session.lab is not None:
            session.lab.set_compare(on)

    def toggle_guide() -> None:
        session.guide.value = None if session.guide.value else (lessons()[0].id, 0)

    with solara.Div(classes=["cogov-header"]):
        solara.HTML(tag="div", unsafe_innerHTML=_esc(t("app_title", lang)), classes=["title"])
        if working is not None:
            solara.HTML(tag="span", unsafe_innerHTML=_esc(t(working, lang)),
                        classes=["cogov-busy-text"])
        solara.Button(t("guide", lang), outlined=True, dark=True, classes=["cogov-guide-btn"],
                      icon_name="mdi-school", on_click=toggle_guide)
        rv.Switch(v_model=bool(lab and lab.compare), label=t("compare", lang), dark=True,
                  hide_details=True, class_="cogov-compare", disabled=lab is None,
                  on_v_model=session.job(set_compare))
        solara.Button(t("switch_language", lang), outlined=True, dark=True,
                      classes=["cogov-lang"],
                      on_click=lambda: session.lang.set("zh" if lang == "en" else "en"))
        if working is not None:
            rv.ProgressLinear(indeterminate=True, color="#f0b400", height=4,
                              class_="cogov-busy")


# ------------------------------------------------------------------ sidebar


@guarded
def RunCard(session: Session):
    lang = session.language
    session.tick.value  # noqa: B018  (redraw every frame: the week counter)
    lab = session.lab
    playing = session.playing.value
    busy = session.busy
    with rv.Card(class_="cogov-run"):
        with solara.Div(style={"padding": "6px 10px"}):
            if lab is None:
                solara.Text(t("building", lang), classes=["cogov-building"])
                rv.ProgressLinear(indeterminate=True, color=ACCENT)
                return
            total = lab.total_weeks
            solara.Text(t("week_of", lang, week=lab.week, total=total) +
                        (f" · {t('finished', lang)}" if lab.finished else ""),
                        style={"font-size": "20px", "font-weight": "600"},
                        classes=["cogov-week"])
            if busy:
                rv.ProgressLinear(indeterminate=True, color=ACCENT)
                solara.Text(t("building", lang), classes=["cogov-building"])
            else:
                rv.ProgressLinear(model_value=100 * lab.week / max(total, 1), color=ACCENT)

            def play() -> None:
                if not session.playing.value:
                    session.play_to = None
                session.playing.value = not session.playing.value

            with solara.Row(style={"margin": "4px 0"}):
                solara.Button(t("pause", lang) if playing else t("play", lang),
                              color=ACCENT, dark=True,
                              icon_name="mdi-pause" if playing else "mdi-play",
                              disabled=lab.finished or (busy and not playing), on_click=play)
                solara.Button(t("step", lang), outlined=True,
                              disabled=playing or lab.finished or busy,
                              on_click=session.guard(lambda: lab.step(lab.speed)))
                solara.Button(t("reset", lang), outlined=True,
                              on_click=session.job(lambda: (session.playing.set(False),
                                                            lab.reset())))
            solara.Text(t("speed", lang), style={"font-size": "14px"})
            solara.ToggleButtonsSingle(value=lab.speed, values=list(SPEEDS), dense=True,
                                       on_value=session.guard(lab.set_speed),
                                       classes=["cogov-speed"])
            Exports(session)


@guarded
def Exports(session: Session):
    """The run's weekly series as CSV, made when asked for."""
    lang = session.language
    lab = session.lab
    file, set_file = solara.use_state(None)
    if lab is None:
        return

    def request(*_args) -> None:
        with lab.lock:
            rows = [(m.name, m.label, lab.seed, m.model.n_residents, list(m.model.record),
                     m.book.series()) for m in lab.active
                    if m.model is not None and m.book is not None]
            name = "-".join(m.label for m in lab.active)
            week = lab.week
        serial = (file or {}).get("serial", 0) + 1
        set_file({"name": f"cogov-{name}-seed{lab.seed}-week{week}.csv", "mime": "text/csv",
                  "data": series_csv(rows), "serial": serial})

    Download(label=t("csv", lang), help=t("csv_help", lang), file=file,
             event_request=request)


def _select(label: str, value: Any, items: list[tuple[Any, str]], on_value: Callable,
            classes: str = "", **kwargs) -> None:
    rv.Select(label=label, v_model=value, items=[{"title": s, "value": v} for v, s in items],
              on_v_model=on_value, density="compact", hide_details=True, class_=classes,
              **kwargs)


@guarded
def MixCard(session: Session):
    lang = session.language
    session.rev.value  # noqa: B018
    lab = session.lab
    if lab is None:
        return
    editing = session.editing.value if lab.compare else 0
    mix = lab.mixes[editing]
    with rv.Card():
        with solara.Div(style={"padding": "6px 10px"}):
            if lab.compare:
                solara.ToggleButtonsSingle(
                    value=editing, on_value=session.editing.set, style={"margin": "0 0 6px"},
                    children=[solara.Button(t("mix", lang, name=n), value=i)
                              for i, n in enumerate(("A", "B"))])
            items = [(s, _source_title(s, lab, lang)) for s in lab.sources]
            _select(t("scenario", lang), mix.source, items,
                    session.job(lambda s: lab.set_source(editing, s)), "cogov-source")
            if mix.scenario is not None:
                text = mix.scenario.description_zh if lang == "zh" else mix.scenario.description
                if text:
                    solara.Text(text, style={"font-size": "13px", "color": "#4a5560"})
            if lab.folder is not None:  # files by name only where the server offers a folder
                with solara.Row():
                    solara.InputText(t("scenario_file", lang), value=session.file_name,
                                     on_value=lambda v: setattr(session, "file_name", v),
                                     continuous_update=True)
                    solara.Button(t("load", lang), outlined=True, on_click=session.job(
                        lambda: lab.load_file(editing, session.file_name)))

            def picked(info: dict, buffers: list | None = None) -> None:
                session.submit(lambda: read_upload(lab, editing, info, buffers), "uploading")

            FilePick(label=t("drop_or_click", lang), limit=APP_LIMITS.upload_bytes,
                     accept=UPLOAD_SUFFIXES, event_picked=picked)
            if lab.notice:
                solara.Text(t("network_uploaded", lang, name=lab.notice),
                            style={"font-size": "13px"})


def read_upload(lab: Lab, index: int, info: dict, buffers: list | None) -> bool:
    """Hand a file from the page's file box to the lab. The box sends no content for a
    file above the upload limit (it is refused by its announced size), and content beyond
    the limit is never used."""
    limit = APP_LIMITS.upload_bytes
    size = int(info.get("size") or 0)
    data = b""
    if size <= limit and buffers:
        data = bytes(memoryview(buffers[0])[: limit + 1])
    return lab.upload(index, str(info.get("name") or ""), data, size=size)


def _source_title(source: str, lab: Lab, lang: Lang) -> str:
    if source in bundled_names():
        title = scenario_title(source, lang)
        return f"{title} ({source})" if title != source else source
    return Path(source).stem


@guarded
def LeverCard(session: Session):
    lang = session.language
    session.rev.value  # noqa: B018
    session.moves_rev.value  # noqa: B018  (a pending move shows on its slider)
    lab = session.lab
    if lab is None:
        return
    editing = session.editing.value if lab.compare else 0
    mix = lab.mixes[editing]

    def on_move(path: str, value: float) -> None:
        session.moves.move(editing, path, value)
        session.moves_rev.value += 1

    def in_force(path: str) -> float | None:
        """The lever's value in the run, or None while a move of it waits (read when
        asked, not when the drawing began)."""
        if session.moves.value(editing, path) is not None:
            return None
        return mix.lever_value(path)

    with rv.Card():
        with solara.Div(style={"padding": "6px 10px"}):
            title = t("levers", lang)
            if lab.compare:
                title = f"{title} · {t('mix', lang, name=mix.name)}"
            solara.HTML(tag="div", unsafe_innerHTML=_esc(title), classes=["cogov-title"])
            # Always drawn (disabled when nothing was moved), so the sliders below keep
            # their place in the page and the one in use keeps the keyboard focus.
            solara.Button(t("back_to_scenario", lang), text=True, disabled=not mix.overrides,
                          on_click=session.job(lambda: lab.reset_levers(editing)))
            for group, controls in lever_groups():
                solara.HTML(tag="div", unsafe_innerHTML=t(f"group_{group}", lang),
                            classes=["cogov-title"])
                for control in controls:
                    pending = session.moves.value(editing, control.path)
                    value = mix.lever_value(control.path) if pending is None else pending
                    LeverSlider(control, value, lang, on_move, in_force, pending is not None,
                                editing)


@solara.component
def LeverSlider(control: LeverControl, value: float, lang: Lang,
                on_move: Callable[[str, float], None],
                in_force: Callable[[str], float | None], pending: bool = False,
                mix: int = 0):
    """A lever's slider. Every move goes to `on_move` (see `viz.moves`).

    The element carries the value the page holds for it and whether that is a move not
    yet applied (`data-value`, `data-pending`), so a browser test can wait for the state
    instead of a clock."""
    # The page never draws the slider's position (`v_model`): reacton sets every property
    # of an element each time it is drawn again, and a drawing that began before the
    # browser's latest move arrived would send an older position back to a slider that
    # has moved on; the next key would start from there and a move would be lost. The
    # browser's slider holds its own position, and the page sets it only where the lever
    # in force differs from it once no move waits (a reset, another scenario or mix, a
    # refused move), with the values read at that moment.
    def moved(v) -> None:
        on_move(control.path, float(v))

    label = param_label(control.spec, lang)
    with solara.Tooltip(param_help(control.spec, lang)):
        with solara.Row(justify="space-between", style={"margin-bottom": "-6px"}):
            solara.Text(label, classes=["cogov-lever-label"])
            solara.Text(f"{value:.2f}", style={"font-weight": "600"})
    slider = rv.Slider(min=control.minimum, max=control.maximum, step=control.step,
                       thumb_label=True, hide_details=True, density="compact", color=ACCENT,
                       class_="cogov-lever",
                       attributes={"data-path": control.path, "data-value": f"{value:g}",
                                   "data-pending": "true" if pending else "false"},
                       on_v_model=moved)

    def give_position() -> None:
        target = in_force(control.path)
        widget = solara.get_widget(slider)
        shown = getattr(widget, "v_model", None)
        if target is None or (isinstance(shown, int | float)
                              and abs(float(shown) - target) < control.step / 1000):
            return
        with reacton.core.suppress_events():  # not a move: the page sets it
            widget.v_model = target

    solara.use_effect(give_position, [value, pending, mix])


@guarded
def CountyCard(session: Session):
    lang = session.language
    session.rev.value  # noqa: B018
    lab = session.lab
    if lab is None:
        return
    version = session.inputs.value  # a refused value is replaced by the one in force

    def refused_resets(fn: Callable[[int], bool]) -> Callable[[int], None]:
        def apply(value: int) -> None:
            if not fn(value):
                session.inputs.value += 1

        return session.job(apply)

    with rv.Card():
        with solara.Div(style={"padding": "6px 10px"}):
            solara.HTML(tag="div", unsafe_innerHTML=_esc(t("county_card", lang)),
                        classes=["cogov-title"])
            with solara.Tooltip(t("seed_help", lang)):
                NumberBox(t("seed", lang), lab.seed, refused_resets(lab.set_seed), version,
                          "cogov-seed")
            spec = residents_spec()
            with solara.Tooltip(param_help(spec, lang)):
                NumberBox(param_label(spec, lang), lab.residents,
                          refused_resets(lab.set_residents), version, "cogov-residents")
            solara.Text(t("restart_note", lang), style={"font-size": "13px", "color": "#4a5560"})


@solara.component
def NumberBox(label: str, value: int, on_value: Callable[[int], None], version: int,
              classes: str = ""):
    """A box for a whole number, applied when it loses focus or Enter is pressed. It shows
    `value` again whenever `value` or `version` changes (the page bumps `version` when it
    refuses an entry, so the box never keeps a value that is not in force)."""
    from solara.components.input import use_change

    text, set_text = solara.use_state(str(value))
    solara.use_effect(lambda: set_text(str(value)), [value, version])

    def commit(entered: str) -> None:
        try:
            number = int(str(entered).strip().replace(",", ""))
        except ValueError:
            set_text(str(value))
            return
        if number != value:
            on_value(number)

    field = rv.TextField(v_model=text, on_v_model=set_text, label=label, hide_details="auto",
                         density="compact", class_=classes)
    use_change(field, commit)
    return field


# ------------------------------------------------------------------ main area


@guarded
def Main(session: Session):
    lang = session.language
    session.rev.value  # noqa: B018
    lab = session.lab
    Guide(session)
    if lab is None:
        return
    if lab.error:
        Alert(t("unexpected", lang, what=lab.error))
    if lab.problems:
        Alert(t("scenario_problems", lang), [problem_text(p, lang) for p in lab.problems])
    for mix in lab.mixes:
        if mix.problems:
            Alert(t("scenario_problems", lang),
                  [f"{t('mix', lang, name=mix.name)}:",
                   *(problem_text(p, lang) for p in mix.problems)])
    Headline(session)
    tab = session.tab.value if session.tab.value in TABS else "overview"
    rv.Tabs(v_model=tab, on_v_model=session.tab.set, density="compact", color=ACCENT,
            class_="cogov-tabs", children=[
                rv.Tab(children=[t(f"tab_{k}", lang)], value=k, class_=f"cogov-tab-{k}")
                for k in TABS])
    if tab == "overview":
        Overview(session)
    elif tab == "network":
        NetworkTab(session)
    elif tab == "charts":
        ChartsTab(session)
    elif tab == "dispute":
        DisputeTab(session)
    elif tab == "outcomes":
        OutcomesTab(session)
    else:
        Html(markup.about_html(lang), ("cogov-panel",))


@guarded
def Guide(session: Session):
    guide = session.guide.value
    if not guide:
        return
    lang = session.language
    lesson_id, index = guide
    current = lesson(lesson_id)
    index = min(index, len(current.steps) - 1)
    step = current.steps[index]
    with solara.Div(classes=["cogov-guide"]):
        _select(t("guide_lesson", lang), current.id,
                [(x.id, pick(x.title, lang)) for x in lessons()],
                lambda v: session.guide.set((v, 0)), "cogov-lesson",
                style_="max-width: 420px; margin-bottom: 4px")
        Html(markup.guide_html(step, index + 1, len(current.steps), pick(current.title, lang),
                               lang))
        with solara.Row():
            if step.button:
                solara.Button(pick(step.button, lang), color=ACCENT, dark=True,
                              classes=["cogov-guide-do"],
                              on_click=session.job(lambda: session.run_step(step.do)))
            solara.Button(t("guide_back", lang), outlined=True, disabled=index == 0,
                          on_click=lambda: session.guide.set((lesson_id, index - 1)))
            solara.Button(t("guide_next", lang), outlined=True,
                          disabled=index + 1 >= len(current.steps),
                          classes=["cogov-guide-next"],
                          on_click=lambda: session.guide.set((lesson_id, index + 1)))
            solara.Button(t("guide_close", lang), text=True,
                          on_click=lambda: session.guide.set(None))


@guarded
def Headline(session: Session):
    lang = session.language
    frames = session.frames()
    if not frames:
        return
    compare = len(frames) > 1
    with solara.Div(classes=["cogov-panel"]):
        heads = [mix_heading(f, lang, compare) for f in frames]
        if compare:
            Html(markup.kpi_table_html(heads, [f.now for f in frames], lang))
        else:
            Html(f'<div class="cogov-mixhead">{_esc(heads[0])}</div>')
            Html(markup.kpis_html(frames[0].now, lang))
        Html(f'<div class="cogov-note">'
             f'{_esc(t("headline_note", lang, weeks=RATE_MIN_WEEKS))}</div>')


@guarded
def Overview(session: Session):
    lang = session.language
    frames = session.frames()
    if not frames:
        return
    compare = len(frames) > 1
    scale = max(f.funnel.total for f in frames)
    with solara.Div(classes=["cogov-key"]):
        with solara.Div(classes=["cogov-panel", "cogov-funnel-card"]):
            Html(f'<div class="cogov-title">{_esc(t("funnel", lang))}</div>')
            for f in frames:
                if compare:
                    Html(f'<div class="cogov-mixhead">{_esc(mix_heading(f, lang, True))}'
                         "</div>")
                Html(markup.funnel_html(f.funnel, lang, scale))
        for key in KEY_CHARTS:
            ChartCard(session, chart_specs()[key], "300px", True)
    events = [(f.name if compare else "", e) for f in frames for e in f.events]
    Html(markup.events_html(events, lang))


@guarded
def ChartCard(session: Session, spec: ChartSpec, height: str = "230px", ack: bool = False):
    lang = session.language
    frames = session.frames()
    compare = len(frames) > 1
    labels = [f"{f.name} · {f.label}" if compare else f.label for f in frames]
    total = max((f.total_weeks for f in frames), default=1)
    option = solara.use_memo(
        lambda: Plain(chart_option(spec, labels, total, lang)),
        [spec.key, tuple(labels), total, lang])
    events = merge([f.events for f in frames])
    update = chart_update(spec, [f.series for f in frames], events, lang)
    data = Plain({"frame": session.tick.value, "update": update},
                 key=(session.tick.value, session.rev.value, lang))
    with solara.Div(classes=["cogov-panel", "cogov-chart", f"cogov-chart-{spec.key}"]):
        Html(f'<div class="cogov-title">{_esc(outcome_label(spec.key, lang))}</div>')
        EChart(option=option, frame_data=data, height=height, chart_key=spec.key,
               png_label=t("png", lang), png_name=f"cogov-{spec.key}-week{frames[0].week}"
               if frames else spec.key, ack=False)


@guarded
def ChartsTab(session: Session):
    lang = session.language
    specs = chart_specs()
    chosen = [k for k in session.charts.value if k in specs]
    items = [(k, outcome_label(k, lang)) for k in specs]
    _select(t("charts_pick", lang), chosen, items,
            lambda v: session.charts.set(tuple(v)), "cogov-charts-pick",
            multiple=True, chips=True, closable_chips=True)
    with solara.Div(classes=["cogov-charts"]):
        for key in chosen:
            ChartCard(session, specs[key])


@guarded
def NetworkTab(session: Session):
    lang = session.language
    frames = session.frames()
    lab = session.lab
    if not frames or lab is None:
        return
    colour = session.colour_by.value
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Text(t("colour_by", lang))
        solara.ToggleButtonsSingle(
            value=colour, on_value=session.colour_by.set, dense=True,
            children=[solara.Button(t(f"colour_{k}_short", lang), value=k,
                                    classes=[f"cogov-colour-{k}"]) for k in COLOUR_BY])
    compare = len(frames) > 1
    with solara.Columns([1, 1] if compare else [1]):
        for i in range(len(frames)):
            with solara.Column():
                NetworkCard(session, i, compare)


@guarded
def NetworkCard(session: Session, index: int, compare: bool, legend: bool = True):
    lang = session.language
    session.tick.value  # noqa: B018
    lab = session.lab
    mix = lab.active[index] if lab is not None and index < len(lab.active) else None
    model = mix.model if mix is not None else None
    colour = session.colour_by.value
    ties = solara.use_memo(lambda: social_ties(model) if model is not None else None,
                           [id(model)])
    option = solara.use_memo(
        lambda: Plain(network_option(layout_of(model), ties, colour, lang))
        if model is not None else None, [id(model), colour, lang])
    if lab is None or mix is None or model is None or option is None:
        return
    with lab.lock:
        frame = network_frame(model)
        followed = _followed_path(session, index)
    lay = frame.layout
    data = Plain({"frame": session.tick.value,
                  "update": network_update(frame, colour, followed)},
                 key=(session.tick.value, session.rev.value, colour, lang,
                      session.followed.value))

    def clicked(event: dict) -> None:
        if event.get("seriesId") != "units" or event.get("dataIndex") is None:
            return
        unit = int(event["dataIndex"])
        grids = np.flatnonzero(lay.unit_of_grid == unit)
        with lab.lock:
            case = dispute_in_grids(model, grids)
        if case is not None:
            session.followed.value = (index, case)
            session.tab.value = "dispute"

    with solara.Div(classes=["cogov-panel", "cogov-network"]):
        head = f"{mix_heading(_frame_of(session, index), lang, compare)}"
        Html(f'<div class="cogov-mixhead">{_esc(head)}</div>')
        note = t(f"network_level_{lay.level}", lang, n=f"{model.n_residents:,}")
        week = t("this_week", lang, arisen=frame.arisen_this_week,
                 petitions=frame.petitions_this_week)
        Html(f'<div class="cogov-note">{_esc(note)} · {_esc(week)} · '
             f'{_esc(t("click_unit", lang))}</div>')
        with solara.Div(classes=["cogov-network-row"]):
            with solara.Div(classes=["cogov-network-chart"]):
                EChart(option=option, frame_data=data, height=NETWORK_HEIGHT,
                       chart_key=f"network-{index}", png_label=t("png", lang),
                       png_name=f"cogov-network-{mix.label}-week{model.week}",
                       clickable=True, event_click=clicked)
            if legend:
                Html(markup.network_legend_html(lay, colour, lang), ("cogov-network-legend",))


def _frame_of(session: Session, index: int) -> MixFrame:
    return session.frames()[index]


def _followed_path(session: Session, index: int) -> list[list[list[float]]]:
    """Lines from the followed dispute's home to each handler on its path (for the
    network picture), if it belongs to this mix."""
    followed = session.followed.value
    lab = session.lab
    if not followed or followed[0] != index or lab is None:
        return []
    mix = lab.active[index]
    if mix.model is None or mix.trail is None:
        return []
    view = dispute_view(mix.model, mix.trail, followed[1], session.language)
    if view is None:
        return []
    lay = layout_of(mix.model)
    unit = int(lay.unit_of_grid[view.grid])
    home = np.round(lay.unit_xy[unit], 4).tolist()
    out = []
    for handler, idx in view.handlers:
        if handler == "party_cell":
            idx = int(lay.unit_of_grid[idx])
        out.append([home, handler_xy(lay, handler, idx)])
    return out


@guarded
def DisputeTab(session: Session):
    lang = session.language
    session.tick.value  # noqa: B018
    lab = session.lab
    frames = session.frames()
    if lab is None or not frames:
        return
    compare = len(frames) > 1
    followed = session.followed.value
    mix_index = followed[0] if followed else 0
    if mix_index >= len(lab.active):
        mix_index = 0
    with solara.Div(classes=["cogov-dispute-wrap"]):
        with solara.Div(classes=["cogov-panel"]):
            with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
                solara.Text(t("follow_pick", lang) + ":")
                for kind in ("escalated", "court", "longest"):
                    solara.Button(t(f"follow_{kind}", lang), outlined=True, small=True,
                                  classes=[f"cogov-follow-{kind}"],
                                  on_click=lambda kind=kind: session.follow(mix_index, kind))
            def switch(i: int) -> None:
                session.followed.set(None)
                session.follow(i, "longest")

            if compare:
                solara.ToggleButtonsSingle(
                    value=mix_index, on_value=switch, dense=True,
                    children=[solara.Button(t("mix", lang, name=f.name), value=f.index)
                              for f in frames])
            if session.follow_missing.value and not followed:
                solara.Text(t("follow_none", lang))
            mix = lab.active[mix_index]
            if followed and mix.model is not None and mix.trail is not None:
                with lab.lock:
                    view = dispute_view(mix.model, mix.trail, followed[1], lang)
                if view is not None:
                    Html(markup.dispute_html(view, lang), ("cogov-dispute",))
        NetworkCard(session, mix_index, compare, False)


@guarded
def OutcomesTab(session: Session):
    lang = session.language
    session.tick.value  # noqa: B018
    lab = session.lab
    if lab is None:
        return
    frames = session.frames()
    with lab.lock:
        values = [m.model.summary() for m in lab.active if m.model is not None]
    compare = len(values) > 1
    heads = [mix_heading(f, lang, compare) for f in frames]
    with solara.Div(classes=["cogov-panel"]):
        Html(f'<div class="cogov-note">{_esc(t("outcomes_note", lang))}</div>')
        Html(markup.outcomes_table_html(heads, values, lang))
