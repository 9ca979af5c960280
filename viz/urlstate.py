"""The page's state in its address, so a reload or a shared link shows the same thing.

The query string holds the language, each mix's scenario and moved levers, compare mode,
the seed, the county's size, the weeks per frame, the week reached, the open tab and the
guide's lesson and step, e.g.

    ?lang=zh&a=baseline&a.party_leadership.cell_coverage=1&b=fengqiao&cmp=1&seed=3&w=52

A lever is named by its path under `levers.`. Only what differs from a fresh page is
written. Reading is lenient: an unknown key or a malformed value is ignored; a value that
parses is applied through the page's own checks (a seed out of range, a scenario the
session may not read, a county too large are refused and said so, as when typed). An
uploaded scenario is not written: a new session does not have the file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from viz.controls import LEVER_PREFIX, lever_controls
from viz.texts import TABS

MIX_KEYS = ("a", "b")


@dataclass
class UrlState:
    lang: str = "en"
    sources: list[str | None] = field(default_factory=lambda: [None, None])
    levers: list[dict[str, float]] = field(default_factory=lambda: [{}, {}])
    compare: bool = False
    seed: int | None = None
    residents: int | None = None
    speed: int | None = None
    week: int = 0
    tab: str = "overview"
    lesson: str | None = None
    step: int = 0

    @property
    def empty(self) -> bool:
        return self == UrlState(lang=self.lang)


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def decode(query: str | None) -> UrlState:
    """The state in a query string (with or without its leading '?')."""
    state = UrlState()
    levers = {c.path[len(LEVER_PREFIX):] for c in lever_controls()}
    for key, value in parse_qsl((query or "").lstrip("?"), keep_blank_values=False):
        if key == "lang" and value in ("en", "zh"):
            state.lang = value
        elif key in MIX_KEYS:
            state.sources[MIX_KEYS.index(key)] = value[:200]
        elif key[:2] in ("a.", "b.") and key[2:] in levers:
            number = _float(value)
            if number is not None:
                state.levers[MIX_KEYS.index(key[0])][LEVER_PREFIX + key[2:]] = number
        elif key == "cmp":
            state.compare = value == "1"
        elif key in ("seed", "n", "speed", "w", "step"):
            number = _int(value)
            if number is None:
                continue
            if key == "seed":
                state.seed = number
            elif key == "n":
                state.residents = number
            elif key == "speed":
                state.speed = number
            elif key == "w":
                state.week = max(0, number)
            else:
                state.step = max(0, number)
        elif key == "tab" and value in TABS:
            state.tab = value
        elif key == "lesson":
            state.lesson = value[:60]
    return state


def encode(state: UrlState) -> str:
    """The query string of a state (without '?'); only what differs from a fresh page."""
    pairs: list[tuple[str, str]] = []
    if state.lang != "en":
        pairs.append(("lang", state.lang))
    mixes = 2 if state.compare else 1
    for i in range(mixes):
        key = MIX_KEYS[i]
        if state.sources[i]:
            pairs.append((key, str(state.sources[i])))
        for path, value in sorted(state.levers[i].items()):
            pairs.append((f"{key}.{path[len(LEVER_PREFIX):]}", f"{value:g}"))
    if state.compare:
        pairs.append(("cmp", "1"))
    for key, value in (("seed", state.seed), ("n", state.residents), ("speed", state.speed)):
        if value is not None:
            pairs.append((key, str(value)))
    if state.week:
        pairs.append(("w", str(state.week)))
    if state.tab != "overview":
        pairs.append(("tab", state.tab))
    if state.lesson:
        pairs.append(("lesson", state.lesson))
        pairs.append(("step", str(state.step)))
    return urlencode(pairs, safe=".")
