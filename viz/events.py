"""Events marked on the timeline: shocks and reforms from the scenario, petition surges
from the run.

A shock (`shocks:`) is in force from `week` for `duration_weeks`; a reform (`schedules:`)
moves a lever from `start_week` to `end_week`; a petition surge is found in the run's
weekly record (`viz.series.petition_surges`). Each is an `Event`; `event_text` says what
happened in either language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulation.scenario import Scenario, parameter_spec
from viz.i18n import Lang, param_label, t
from viz.series import SURGE_WEEKS, petition_surges


@dataclass(frozen=True)
class Event:
    """Something that happens in a run: `kind` is "shock", "ramp" or "surge"; it spans
    weeks `start` to `end` (a surge: the week it was seen). `detail` holds what the text
    needs (the shock's kind, group and magnitude; the lever and its target; the count)."""

    kind: str
    start: int
    end: int
    detail: tuple = ()


def scenario_events(scenario: Scenario) -> list[Event]:
    """The shocks and reforms of a scenario, within its run."""
    steps = scenario.run.steps
    out = []
    for shock in scenario.shocks:
        if shock.week <= steps:
            out.append(Event("shock", shock.week, min(shock.week + shock.duration_weeks, steps),
                             (shock.kind, shock.group, float(shock.magnitude))))
    for ramp in scenario.schedules:
        if ramp.start_week <= steps:
            out.append(Event("ramp", ramp.start_week, min(ramp.end_week, steps),
                             (ramp.parameter, float(ramp.to))))
    return sorted(out, key=lambda e: (e.start, e.kind))


def surge_events(weeks: np.ndarray, escalated: np.ndarray) -> list[Event]:
    return [Event("surge", s.week, s.week, (s.count,))
            for s in petition_surges(weeks, escalated)]


def event_text(event: Event, lang: Lang) -> str:
    """What happened, in a short sentence with its weeks."""
    if event.kind == "shock":
        kind, group, magnitude = event.detail
        what = t(f"shock_{kind}", lang, group=t(f"group_{group}", lang),
                 factor=f"{1 + magnitude:g}", pct=f"{100 * magnitude:g}")
        return t("event_weeks", lang, start=event.start, end=event.end, what=what)
    if event.kind == "ramp":
        path, to = event.detail
        what = t("ramp_text", lang, lever=param_label(parameter_spec(path), lang), to=f"{to:g}")
        return t("event_weeks", lang, start=event.start, end=event.end, what=what)
    return t("event_week", lang, week=event.start,
             what=t("surge_text", lang, n=event.detail[0], weeks=SURGE_WEEKS))


def events_of(scenario: Scenario | None, series: dict) -> list[Event]:
    """Every event of one mix's run so far: the scenario's, then the surges seen."""
    out = scenario_events(scenario) if scenario is not None else []
    if "escalated" in series and len(series["escalated"]):
        out += surge_events(series["week"], series["escalated"])
    return out


def merge(events: Sequence[Sequence[Event]]) -> list[Event]:
    """The events of several mixes, each once, in order."""
    seen: dict[Event, None] = {}
    for mix in events:
        for e in mix:
            seen.setdefault(e, None)
    return sorted(seen, key=lambda e: (e.start, e.kind))
