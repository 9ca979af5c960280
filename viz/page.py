"""The Solara page: controls in the sidebar, network, funnel and charts in the main area.

Why Solara components around the Mesa model rather than `mesa.visualization.SolaraViz`:
SolaraViz holds one model, so it cannot step two policy mixes side by side; its sidebar
and tabs carry fixed English words ("Controls", "Model Parameters", "Page 0"), so the page
could not switch to Chinese; it rebuilds a model from flat keyword parameters only on
Reset and then adds a `scenario=` keyword (a Mesa scenario) that our model reads as its
own scenario (model brief §9), while our controls must rebuild at once through
`with_values(load_scenario(...))`; and its step errors show English text. The play loop
below follows SolaraViz's ModelController (a thread that steps and bumps a counter).

State lives in one `viz.lab.Lab` per browser session (closed, deleting its uploads, when
the session ends); every handler is wrapped by `_guard` and every component by `guarded`,
so a failure shows a short message, never a traceback. A change that rebuilds the county
runs off the event thread (`build`), with a busy indicator on the page meanwhile.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import solara
from solara.alias import rv

from viz import markup
from viz.charts import CHARTS, ChartPainter, ChartSpec
from viz.controls import LeverControl, lever_groups, residents_spec
from viz.i18n import Lang, param_help, param_label, t
from viz.lab import APP_LIMITS, FOLDER_ENV, SPEEDS, Lab, MixFrame
from viz.network import COLOUR_BY, NetworkPainter

log = logging.getLogger("cogov.app")
FRAME_SECONDS = 0.25  # at most four frames a second while playing
MIN_GAP_SECONDS = 0.05  # idle time between frames, for clicks to get through
SETTLE_SECONDS = 0.4  # a lever slider at rest this long is applied

ACCENT = "#1f3a5f"


_jobs = itertools.count()


def make_lab() -> Lab:
    """A browser session's lab (tests replace this to use a smaller county)."""
    folder = os.environ.get(FOLDER_ENV)
    return Lab(folder=Path(folder) if folder else None)


def _guard(lab: Lab, bump: Callable[[], None], fn: Callable) -> Callable:
    """An event handler that never raises: a failure becomes `lab.error` on the page (by
    its kind only: a message could name server paths; the log has it in full)."""

    def handler(*args):
        try:
            fn(*args)
        except Exception as exc:
            log.exception("handler failed")
            lab.error = type(exc).__name__
        bump()

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
            lang = bound.get("lang", "en")
            lang = lang.value if isinstance(lang, solara.Reactive) else lang
            Alert(t("draw_failed", "zh" if lang == "zh" else "en", what=type(exc).__name__))
            return None

    return solara.component(draw)


def Alert(head: str, lines: list[str] | tuple[str, ...] = ()) -> None:
    """A red notice: a sentence, then the problem lines as they are (solara.Error cannot
    be used: its Alert does not fit Vuetify 3)."""
    body = f'<pre class="cogov-problems">{_esc(chr(10).join(lines))}</pre>' if lines else ""
    solara.HTML(tag="div", unsafe_innerHTML=f'<div class="head">{_esc(head)}</div>{body}',
                classes=["cogov-alert"])


@solara.component
def Html(html: str, classes: tuple[str, ...] = ()):
    solara.HTML(tag="div", unsafe_innerHTML=html, classes=list(classes))


@guarded
def LeverSlider(control: LeverControl, value: float, lang: Lang,
                on_move: Callable[[str, float], None], pending: bool = False):
    """A lever's slider. Moves go to `on_move`; the page applies the last one once the
    slider has rested for `SETTLE_SECONDS`, so a drag rebuilds the model once.

    The element carries the value the page holds for it and whether that is a move not
    yet applied (`data-value`, `data-pending`), so a browser test can wait for the state
    instead of a clock."""
    label = param_label(control.spec, lang)
    with solara.Tooltip(param_help(control.spec, lang)):
        with solara.Row(justify="space-between", style={"margin-bottom": "-6px"}):
            solara.Text(label, classes=["cogov-lever-label"])
            solara.Text(f"{value:.2f}", style={"font-weight": "600"})
    rv.Slider(v_model=value, min=control.minimum, max=control.maximum, step=control.step,
              thumb_label=True, hide_details=True, density="compact", color=ACCENT,
              class_="cogov-lever",
              attributes={"data-path": control.path, "data-value": f"{value:g}",
                          "data-pending": "true" if pending else "false"},
              on_v_model=lambda v: on_move(control.path, float(v)))


def read_upload(lab: Lab, index: int, file: dict) -> bool:
    """Hand a dropped file to the lab, reading no more than the upload limit from the
    browser (the page's FileDrop is lazy: nothing is sent until it is read)."""
    limit = APP_LIMITS.upload_bytes
    size = int(file.get("size") or 0)
    data = b""
    if size <= limit:  # a larger file is refused by its size, unread
        data = file["file_obj"].read(limit + 1) if file.get("file_obj") else file["data"]
    return lab.upload(index, str(file.get("name") or ""), data or b"", size=size)


@guarded
def MixControls(lab: Lab, index: int, lang: Lang, act: Callable, build: Callable,
                version: int, moving: solara.Reactive[tuple | None]):
    """`version` changes whenever `lab` does, so the controls redraw (reacton skips a
    component whose arguments compare equal)."""
    mix = lab.mixes[index]
    path, set_path = solara.use_state("")
    with solara.Card(t("mix", lang, name=mix.name) if lab.compare else t("scenario", lang)):
        solara.Select(t("scenario", lang), value=mix.source, values=lab.sources,
                      on_value=build(lambda s: lab.set_source(index, s)))
        if mix.scenario is not None:
            text = mix.scenario.description_zh if lang == "zh" else mix.scenario.description
            if text:
                solara.Text(text, style={"font-size": "13px", "color": "#4a5560"})
        if lab.folder is not None:  # files by name only where the server offers a folder
            with solara.Row():
                solara.InputText(t("scenario_file", lang), value=path, on_value=set_path,
                                 continuous_update=True)
                solara.Button(t("load", lang), outlined=True,
                              on_click=build(lambda: lab.load_file(index, path)))
        solara.FileDrop(label=t("upload", lang), lazy=True,
                        on_file=build(lambda f: read_upload(lab, index, f)))
        if lab.notice:
            solara.Text(t("network_uploaded", lang, name=lab.notice),
                        style={"font-size": "13px"})
    with solara.Card(t("levers", lang)):
        if mix.overrides:
            solara.Button(t("back_to_scenario", lang), text=True,
                          on_click=build(lambda: lab.reset_levers(index)))
        for group, controls in lever_groups():
            solara.HTML(tag="div", unsafe_innerHTML=t(f"group_{group}", lang),
                        classes=["cogov-title"])
            for control in controls:
                value = mix.lever_value(control.path)
                pending = bool(moving.value and moving.value[:2] == (index, control.path))
                if pending:
                    value = moving.value[2]
                LeverSlider(control, value, lang,
                            lambda path, v: moving.set((index, path, v)), pending)


@guarded
def Problems(lines: list[str], lang: Lang, key: str = "scenario_problems"):
    if lines:
        Alert(t(key, lang), lines)


def _esc(text: str) -> str:
    from html import escape

    return escape(text)


@guarded
def RunControls(lab: Lab, lang: Lang, playing: solara.Reactive[bool], act: Callable,
                build: Callable, busy: bool, version: int):
    with solara.Card(t("run", lang)):
        total = lab.total_weeks
        solara.Text(t("week_of", lang, week=lab.week, total=total) +
                    (f" · {t('finished', lang)}" if lab.finished else ""),
                    style={"font-size": "20px", "font-weight": "600"})
        if busy:
            solara.ProgressLinear(True, color=ACCENT)
            solara.Text(t("building", lang), classes=["cogov-building"])
        else:
            solara.ProgressLinear(100 * lab.week / max(total, 1), color=ACCENT)
        with solara.Row():
            # Stepping waits while a county is built: the new one starts at week 0.
            solara.Button(t("pause", lang) if playing.value else t("play", lang),
                          color=ACCENT, dark=True, icon_name="mdi-pause" if playing.value
                          else "mdi-play", disabled=lab.finished or (busy and not playing.value),
                          on_click=lambda: playing.set(not playing.value))
            solara.Button(t("step", lang), outlined=True,
                          disabled=playing.value or lab.finished or busy,
                          on_click=act(lambda: lab.step(lab.speed)))
            solara.Button(t("reset", lang), outlined=True,
                          on_click=build(lambda: (playing.set(False), lab.reset())))
        solara.ToggleButtonsSingle(value=lab.speed, values=list(SPEEDS),
                                   on_value=act(lab.set_speed))
        solara.Text(t("speed", lang), style={"font-size": "13px"})
        with solara.Tooltip(t("seed_help", lang)):
            solara.InputInt(t("seed", lang), value=lab.seed, on_value=build(lab.set_seed))
        spec = residents_spec()
        with solara.Tooltip(param_help(spec, lang)):
            solara.InputInt(param_label(spec, lang), value=lab.residents,
                            on_value=build(lab.set_residents))
        Problems(lab.problems, lang)
        solara.Text(t("restart_note", lang), style={"font-size": "13px", "color": "#4a5560"})


@guarded
def ChartCard(spec: ChartSpec, frames: list[MixFrame], lang: Lang, version: int):
    painter = solara.use_memo(lambda: ChartPainter(spec), [])
    total = max((f.total_weeks for f in frames), default=1)
    png = solara.use_memo(lambda: painter.render([f.series for f in frames], total),
                          [version, len(frames)])
    with solara.Div(classes=["cogov-panel", "cogov-chart", f"cogov-chart-{spec.key}"]):
        Html(f'<div class="cogov-title">{_esc(markup.chart_title(spec, lang))}</div>')
        solara.Image(png, format="png", width="100%")
        Html(markup.chart_legend_html(spec, [f.name for f in frames], lang))


@guarded
def NetworkCard(frame: MixFrame, lang: Lang, colour_by: str, version: int):
    painter = solara.use_memo(NetworkPainter, [])
    png = solara.use_memo(lambda: painter.render(frame.network, colour_by),  # type: ignore
                          [version, colour_by])
    net = frame.network
    with solara.Div(classes=["cogov-panel", "cogov-network"]):
        Html(f'<div class="cogov-mixhead">{_esc(t("mix", lang, name=frame.name))} · '
             f"{_esc(frame.label)}</div>")
        note = "network_residents" if net.draw_residents else "network_grids"
        solara.Text(t(note, lang, n=f"{net.n_residents:,}"), style={"font-size": "14px"})
        solara.Image(png, format="png", width="100%")
        Html(markup.network_legend_html(net.draw_residents, colour_by, lang))  # type: ignore


@guarded
def FunnelCard(frame: MixFrame, lang: Lang, scale: int, show_mix: bool):
    with solara.Div(classes=["cogov-panel", "cogov-funnel-card"]):
        head = t("funnel", lang)
        if show_mix:
            head = f"{t('mix', lang, name=frame.name)} · {head}"
        Html(f'<div class="cogov-title">{_esc(head)}</div>')
        Html(markup.funnel_html(frame.funnel, lang, scale))


@solara.component
def Layout(children=()):
    """Replaces Solara's AppLayout: the page draws its own header and two columns."""
    solara.Div(children=list(children), style={"margin": "0", "padding": "0"})


@solara.component
def Page():
    lab = solara.use_memo(lambda: make_lab(), [])
    solara.use_effect(lambda: lab.close, [])  # the session's end deletes its uploads
    lang = solara.use_reactive("en")
    solara.Style(markup.CSS)
    Shell(lab, lang)


@guarded
def Shell(lab: Lab, lang: solara.Reactive[str]):
    version = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    colour_by = solara.use_reactive("dispute")
    editing = solara.use_reactive(0)  # which mix the sidebar edits in compare mode
    moving = solara.use_reactive(None)  # (mix, lever path, value) not yet applied
    seen = version.value  # re-render whenever the lab changes

    def bump() -> None:
        version.value += 1

    def act(fn: Callable) -> Callable:
        return _guard(lab, bump, fn)

    building = solara.use_reactive(None)  # (number, change) being built, or None

    def build(fn: Callable) -> Callable:
        """A handler for a change that rebuilds the county: run by `run_build` in another
        thread, so the page can show that it is busy meanwhile."""

        def handler(*args):
            building.set((next(_jobs), lambda: fn(*args)))

        return handler

    def run_build(cancel: threading.Event) -> None:
        job = building.value
        if job is None:
            return
        _guard(lab, bump, job[1])()  # waits for lab.lock if an earlier build still runs
        if building.value is job:  # a newer change has its own thread
            building.set(None)

    solara.use_thread(run_build, dependencies=[building.value], intrusive_cancel=False)

    drawn = solara.use_memo(threading.Event, [])  # set once a frame has been drawn

    def play_loop(cancel: threading.Event) -> None:
        # Wait for each frame to be drawn, then leave a gap: a bump while another thread
        # is still drawing would be drawn by that thread, which would then never return
        # to the event it was handling.
        while playing.value and not cancel.is_set():
            start = time.perf_counter()
            lab.step(lab.speed)
            drawn.clear()
            bump()
            drawn.wait(timeout=10)
            if lab.finished or lab.error:
                playing.value = False
                break
            cancel.wait(max(MIN_GAP_SECONDS, FRAME_SECONDS - (time.perf_counter() - start)))

    solara.use_thread(play_loop, dependencies=[playing.value], intrusive_cancel=False)
    solara.use_effect(drawn.set, [seen])

    def settle_lever(cancel: threading.Event) -> None:
        """Apply the last lever move once the slider has rested (one rebuild per drag)."""
        move = moving.value
        if move is None or cancel.wait(SETTLE_SECONDS):
            return
        index, path, value = move
        build(lambda: lab.set_lever(index, path, value))()
        moving.set(None)

    solara.use_thread(settle_lever, dependencies=[moving.value], intrusive_cancel=False)
    frames = solara.use_memo(lab.frame, [seen])
    lg: Lang = lang.value  # type: ignore[assignment]

    def set_compare(on: bool) -> None:
        playing.set(False)
        lab.set_compare(on)
        editing.set(0)

    solara.Title(f"cogov — {t('app_title', lg)}")  # the browser tab
    with solara.Div(classes=["cogov-header"]):
        solara.HTML(tag="div", unsafe_innerHTML=_esc(t("app_title", lg)), classes=["title"])
        rv.Switch(v_model=lab.compare, label=t("compare", lg), dark=True, hide_details=True,
                  class_="cogov-compare", on_v_model=build(set_compare))
        solara.Button(t("switch_language", lg), outlined=True, dark=True,
                      classes=["cogov-lang"],
                      on_click=lambda: lang.set("zh" if lg == "en" else "en"))
    with solara.Div(classes=["cogov-shell"]):
        with solara.Div(classes=["cogov-side"]):
            # Busy from a lever's move until its county is built (see settle_lever).
            busy = building.value is not None or moving.value is not None
            RunControls(lab, lg, playing, act, build, busy, seen)
            if lab.compare:
                solara.ToggleButtonsSingle(
                    value=editing.value, on_value=editing.set, style={"margin": "8px 0"},
                    children=[solara.Button(t("mix", lg, name=n), value=i)
                              for i, n in enumerate(("A", "B"))])
            MixControls(lab, editing.value if lab.compare else 0, lg, act, build, seen,
                        moving)
        with solara.Div(classes=["cogov-body"]):
            Main(lab, frames, lg, colour_by, version.value)


@guarded
def Main(lab: Lab, frames: list[MixFrame], lang: Lang, colour_by: solara.Reactive[str],
         version: int):
    if lab.error:
        Alert(t("unexpected", lang, what=lab.error))
    for mix in lab.mixes:
        if mix.problems:
            Problems([f"{t('mix', lang, name=mix.name)}:", *mix.problems], lang)
    if not frames:
        return
    compare = len(frames) > 1
    if compare:
        Html(markup.kpi_table_html([f.name for f in frames], [f.kpis for f in frames], lang))
    else:
        Html(markup.kpis_html(frames[0].kpis, lang))
    with solara.Row(style={"align-items": "center", "margin-top": "8px"}):
        solara.Text(t("colour_by", lang))
        solara.ToggleButtonsSingle(
            value=colour_by.value, on_value=colour_by.set, dense=True,
            children=[solara.Button(t(k, lang), value=v) for k, v in
                      zip(("share_in_dispute", "mean_trust"), COLOUR_BY, strict=True)])
    scale = max(f.funnel.arisen for f in frames)
    charts_title = f'<div class="cogov-title">{_esc(t("charts", lang))}</div>'
    if compare:
        with solara.Columns([1, 1]):
            for frame in frames:
                with solara.Column():
                    NetworkCard(frame, lang, colour_by.value, version)
                    FunnelCard(frame, lang, scale, True)
        Html(charts_title)
        with solara.ColumnsResponsive(default=12, medium=6, large=6, xlarge=4):
            for spec in CHARTS:
                ChartCard(spec, frames, lang, version)
    else:  # one mix: the charts beside the network, so the first screen shows both
        with solara.Columns([11, 9]):
            with solara.Column():
                NetworkCard(frames[0], lang, colour_by.value, version)
                FunnelCard(frames[0], lang, scale, False)
            with solara.Column():
                Html(charts_title)
                for spec in CHARTS:
                    ChartCard(spec, frames, lang, version)
