"""Following one dispute: which to pick, and its path in words.

The path comes from the mix's `DisputeTrail` (simulation/trail.py): where the dispute
stood at the end of each week it moved — who held it, at which rung, waiting or being
handled — and how it ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulation.disputes import Level, Outcome, Stage
from viz.i18n import Lang, t

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel
    from simulation.trail import DisputeTrail, Place

PICKS = ("escalated", "court", "longest")


def pick_dispute(model: CoGovernanceModel, kind: str) -> int | None:
    """A dispute worth following: the latest to end in a petition ("escalated"), the latest
    to reach the court ("court"), or the open one that has waited longest ("longest")."""
    pool = model.disputes
    n = pool.size
    if n == 0:
        return None
    if kind == "escalated":
        rows = np.flatnonzero(pool.outcome[:n] == Outcome.ESCALATED)
        return int(rows[np.argmax(pool.ended[rows])]) if len(rows) else None
    if kind == "court":
        rows = np.flatnonzero(pool.level[:n] == Level.L3)
        return int(rows[-1]) if len(rows) else None
    rows = pool.open_ids
    return int(rows[np.argmax(pool.waited[rows])]) if len(rows) else None


def dispute_in_grids(model: CoGovernanceModel, grids: np.ndarray) -> int | None:
    """A dispute of residents of these grids: the open one that has waited longest, or
    else the one that ended last."""
    pool = model.disputes
    open_ids = pool.open_ids
    here = open_ids[np.isin(pool.grid[open_ids], grids)] if len(open_ids) else open_ids
    if len(here):
        return int(here[np.argmax(pool.waited[here])])
    rows = np.flatnonzero(np.isin(pool.grid[:pool.size], grids))
    return int(rows[np.argmax(pool.ended[rows])]) if len(rows) else None


def holder_text(handler: str, index: int, lang: Lang) -> str:
    if not handler:
        return ""
    return t(f"holder_{handler}", lang, n=index)


def place_text(place: Place, lang: Lang) -> str:
    """What a place in the path means: the stage, or how the dispute ended."""
    if place.stage == Stage.ENDED:
        return t(f"ended_{int(place.outcome)}", lang, level=place.level)
    return t(f"stage_{int(place.stage)}", lang)


@dataclass(frozen=True)
class DisputeView:
    """One dispute as the page shows it."""

    case: int
    title: str
    parties: str
    home: str
    rows: tuple[tuple[int, str, str], ...]  # (week, where, what)
    summary: str
    handlers: tuple[tuple[str, int], ...]  # every holder on its path, in order
    grid: int


def _resident(model: CoGovernanceModel, row: int, lang: Lang) -> str:
    res = model.residents
    groups = [t("urban" if res.urban[row] else "rural", lang)]
    if res.elderly[row]:
        groups.append(t("aged_60", lang))
    if res.migrant[row]:
        groups.append(t("migrant", lang))
    if not res.digital[row]:
        groups.append(t("no_digital", lang))
    joiner = ", " if lang == "en" else "、"
    return t("resident_desc", lang, n=row, groups=joiner.join(groups))


def dispute_view(model: CoGovernanceModel, trail: DisputeTrail, case: int,
                 lang: Lang) -> DisputeView | None:
    pool = model.disputes
    if not 0 <= case < pool.size:
        return None
    other = int(pool.other[case])
    parties = t("dispute_parties", lang, party=_resident(model, int(pool.party[case]), lang),
                other=_resident(model, other, lang) if other >= 0
                else t("firm_or_office", lang))
    grid = int(pool.grid[case])
    town = int(model.territory.town_of_grid[grid])
    places = trail.path(case)
    home = t("dispute_grid", lang, grid=grid, town=town)
    rows = tuple((p.week, holder_text(p.handler, p.index, lang)
                  or (home if p.stage == Stage.AWAITING_INTAKE else ""), place_text(p, lang))
                 for p in places)
    ended = pool.outcome[case] != Outcome.OPEN
    weeks = (int(pool.ended[case]) if ended else model.week) - int(pool.arose[case])
    key = "dispute_summary_ended" if ended else "dispute_summary"
    # Waiting is counted in days, so its weeks are told to a tenth.
    summary = t(key, lang, weeks=weeks, waited=f"{pool.waited[case]:.1f}",
                handoffs=int(pool.handoffs[case]))
    title = t("dispute_title", lang, n=case, kind=t(f"kind_{int(pool.kind[case])}", lang),
              severity=f"{pool.severity[case]:.2f}")
    handlers = tuple(dict.fromkeys((p.handler, p.index) for p in places if p.handler))
    return DisputeView(case, title, parties, home, rows, summary, handlers, grid)
