"""The page's longer texts, kept in data files a student workbook can share.

`viz/texts/guide.yaml` holds the guided lessons (steps with an English and a Chinese text
and, optionally, a button that does what the step asks), `viz/texts/about.yaml` the
"About this model" panel, `viz/texts/scenarios.yaml` the bundled scenarios' short names;
texts a lesson shares with the student workbook are in `viz/texts/shared.yaml`
(`viz/shared_texts.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from viz.i18n import Lang
from viz.shared_texts import shared

TEXTS = Path(__file__).resolve().with_name("texts")
TABS: tuple[str, ...] = ("overview", "network", "charts", "dispute", "outcomes", "about")
STEP_ACTIONS = ("a", "b", "compare", "play_to", "tab", "colour_by", "follow")


def pick(text: dict[str, str] | None, lang: Lang) -> str:
    """The text in `lang` (English when it has none)."""
    if not text:
        return ""
    return str(text.get(lang) or text.get("en") or "").strip()


@dataclass(frozen=True)
class Step:
    title: dict[str, str]
    text: dict[str, str]
    button: dict[str, str] | None = None
    do: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Lesson:
    id: str
    title: dict[str, str]
    steps: tuple[Step, ...]


def _load(name: str) -> Any:
    return yaml.safe_load((TEXTS / name).read_text(encoding="utf-8"))


def _text(raw: dict[str, str]) -> dict[str, str]:
    """A step's text: its own, or the shared one it names (`{shared: KEY}`)."""
    return shared()[raw["shared"]] if "shared" in raw else raw


@cache
def lessons() -> tuple[Lesson, ...]:
    out = []
    for raw in _load("guide.yaml")["lessons"]:
        steps = tuple(Step(s["title"], _text(s["text"]), s.get("button"),
                           dict(s.get("do") or {}))
                      for s in raw["steps"])
        out.append(Lesson(raw["id"], raw["title"], steps))
    return tuple(out)


def lesson(lesson_id: str) -> Lesson:
    return next((x for x in lessons() if x.id == lesson_id), lessons()[0])


@cache
def about() -> tuple[tuple[dict[str, str], tuple[dict[str, str], ...]], ...]:
    """(heading, paragraphs) of each section of "About this model"."""
    return tuple((s["heading"], tuple(s["paragraphs"])) for s in _load("about.yaml")["sections"])


@cache
def scenario_names() -> dict[str, dict[str, str]]:
    return dict(_load("scenarios.yaml"))


def scenario_title(name: str, lang: Lang) -> str:
    """A bundled scenario's short name in `lang`, or the name itself."""
    return pick(scenario_names().get(name), lang) or name
