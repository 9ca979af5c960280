"""The county network as the browser draws it: who is where, and what moves this week.

The picture tells what changes week to week: where disputes are open (the colour of each
grid or town), which handler holds them now (a line from where the parties live to the
party cell, town office, social organisation, county centre or court, as thick as the
number of cases, coloured by rung), and where parties petitioned in the past four weeks
(red lines to the petitions marker). Party cells are filled where active (an active cell
convenes resident councils and ties its grid into the coordination of hand-offs).

It stays readable from 1,000 to 200,000 residents by drawing at one of three levels
(`level_for`): every resident (up to `RESIDENT_DRAW_LIMIT`, as a dot coloured by its
dispute state, around its grid), every grid (up to `GRID_DRAW_LIMIT` grids), or every town
(above that: at 250 residents a grid, 200,000 residents are 800 grids in 40 towns).
Positions are a fixed radial arrangement computed once per county: units (grids or towns)
on the rim in order of town and community, town offices inside, the county centre, the
court and the social organisations in the middle. Nothing runs a force-directed layout
(model brief §9).
"""

from __future__ import annotations

import weakref
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from simulation.agents.resident import ResidentState, resident_states
from simulation.disputes import Outcome, Stage
from simulation.trail import holder_of
from viz.i18n import Lang, t

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel

RESIDENT_DRAW_LIMIT = 1_500
GRID_DRAW_LIMIT = 100  # grids drawn one by one; more are drawn as towns
MAX_SOCIAL_TIES_DRAWN = 3_000
PETITION_WEEKS = 4  # petitions of this many weeks are drawn

Level = Literal["residents", "grids", "towns"]
ColourBy = Literal["open", "petitions", "trust"]
COLOUR_BY: tuple[ColourBy, ...] = ("open", "petitions", "trust")
# Fixed scales, so a change over time or between mixes is a change of colour. Open
# disputes per 1,000 residents: 0-20 spans the grids of the default county (most grids hold
# none to a few open disputes in a week; the busiest about 20 per 1,000). Petitions in the
# past year per 10,000 residents: the bundled mixes range from about 3 (fengqiao) to 43
# (baseline) over five years (docs/ODD.md §5.2). Trust: the change since week 0, either way.
SCALES: dict[ColourBy, tuple[float, float, tuple[str, ...]]] = {
    "open": (0.0, 20.0, ("#fff7ec", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000")),
    "petitions": (0.0, 60.0, ("#fff5f0", "#fcbba1", "#fb6a4a", "#cb181d", "#67000d")),
    "trust": (-0.05, 0.05, ("#b2182b", "#ef8a62", "#f7f7f7", "#67a9cf", "#2166ac")),
}
STATE_COLOURS = {  # Okabe-Ito colours, told apart by colour-blind viewers too
    ResidentState.CALM: "#B8C4CE",
    ResidentState.IN_DISPUTE: "#D55E00",
    ResidentState.DISCONTENTED: "#CC79A7",
}
RUNG_COLOURS = {1: "#1b7837", 2: "#0072B2", 3: "#762a83"}
PETITION_COLOUR = "#C62828"
INSTITUTIONS = {  # ECharts symbol, size (px), colour
    "town_office": ("rect", 16, "#0072B2"),
    "county_centre": ("path://M50 0 L61 35 L98 35 L68 57 L79 91 L50 70 L21 91 L32 57 "
                      "L2 35 L39 35 Z", 30, "#E69F00"),
    "court": ("diamond", 20, "#4D4D4D"),
    "social_organisation": ("circle", 14, "#009E73"),
    "petitions": ("pin", 30, PETITION_COLOUR),
}
CELL_COLOURS = ("#FFFFFF", "#C8102E")  # inactive, active

GRID_RADIUS = 1.0
CELL_RADIUS = 0.84
TOWN_RADIUS = 0.55
ORG_RADIUS = 0.26
GOLDEN_ANGLE = np.pi * (3 - np.sqrt(5))


def level_for(n_residents: int, n_grids: int) -> Level:
    if n_residents <= RESIDENT_DRAW_LIMIT:
        return "residents"
    return "grids" if n_grids <= GRID_DRAW_LIMIT else "towns"


# ------------------------------------------------------------------ layout (once per county)


@dataclass(frozen=True)
class Layout:
    """Positions of everything drawn for one county (data units; the square ±`extent`).

    A unit is a grid (levels "residents" and "grids") or a town ("towns"); `unit_of_grid`
    maps each grid to its unit, and each unit has one party-cell marker (a town's marker
    stands for the cells of all its grids)."""

    level: Level
    unit_xy: np.ndarray  # (units, 2)
    unit_population: np.ndarray  # (units,)
    unit_of_grid: np.ndarray  # (grids,)
    cell_xy: np.ndarray  # (units, 2)
    town_xy: np.ndarray  # (towns, 2)
    centre_xy: np.ndarray  # (2,)
    court_xy: np.ndarray  # (2,)
    org_xy: np.ndarray  # (social organisations, 2)
    petition_xy: np.ndarray  # (2,)
    resident_xy: np.ndarray | None  # (residents, 2) at level "residents"
    extent: float

    @property
    def n_units(self) -> int:
        return len(self.unit_xy)


def _rim(order_key: tuple[np.ndarray, ...], community: np.ndarray, town: np.ndarray
         ) -> tuple[np.ndarray, float]:
    """Angles of items on the rim, clockwise from the top in order of town and community,
    with a small gap between communities and a larger one between towns; and the rim
    length of one slot."""
    n = len(town)
    order = np.lexsort((np.arange(n), *order_key))
    gaps = np.zeros(n)
    if n > 1:
        new_comm = community[order][1:] != community[order][:-1]
        new_town = town[order][1:] != town[order][:-1]
        gaps[1:] = np.where(new_town, 1.5, np.where(new_comm, 0.4, 0.0))
    units = np.cumsum(1.0 + gaps) - 0.5
    total = units[-1] + 0.5 + (1.5 if town.max() > 0 else 0.0)
    angle = np.empty(n)
    angle[order] = np.pi / 2 - 2 * np.pi * units / total
    return angle, 2 * np.pi * GRID_RADIUS / total


def compute_layout(grid_of: np.ndarray, community_of_grid: np.ndarray,
                   town_of_grid: np.ndarray, n_orgs: int, level: Level) -> Layout:
    """A radial arrangement, O(residents + grids), with no randomness."""
    n_grids = len(community_of_grid)
    n_towns = int(town_of_grid.max()) + 1
    grid_population = np.bincount(grid_of, minlength=n_grids).astype(float)
    if level == "towns":
        towns = np.arange(n_towns)
        angle, _ = _rim((towns, towns), towns, np.zeros(n_towns, dtype=int))
        unit_of_grid = town_of_grid.astype(np.int64)
        population = np.bincount(town_of_grid, weights=grid_population, minlength=n_towns)
    else:
        angle, _ = _rim((community_of_grid, town_of_grid), community_of_grid, town_of_grid)
        unit_of_grid = np.arange(n_grids)
        population = grid_population
    ring = np.column_stack([np.cos(angle), np.sin(angle)])
    unit_xy = GRID_RADIUS * ring
    cell_xy = CELL_RADIUS * ring

    town_xy = np.zeros((n_towns, 2))
    grid_ring = ring[unit_of_grid]
    for town in range(n_towns):
        mean = grid_ring[town_of_grid == town].mean(axis=0)
        norm = np.hypot(*mean)
        direction = mean / norm if norm > 1e-9 else np.array([0.0, 1.0])
        town_xy[town] = TOWN_RADIUS * (direction if n_towns > 1 else np.array([0.0, 1.0]))
    org_angle = -np.pi / 2 + 2 * np.pi * (np.arange(n_orgs) + 0.5) / max(n_orgs, 1)
    org_xy = ORG_RADIUS * np.column_stack([np.cos(org_angle), np.sin(org_angle)])

    resident_xy = None
    extent = GRID_RADIUS + 0.12
    if level == "residents":
        slot = 2 * np.pi * GRID_RADIUS / max(n_grids, 1)
        disc = min(0.42 * slot, 0.3)
        resident_xy = np.zeros((len(grid_of), 2))
        rows = np.argsort(grid_of, kind="stable")
        starts = np.concatenate([[0], np.cumsum(grid_population.astype(int))])
        for g in range(n_grids):
            members = rows[starts[g]:starts[g + 1]]
            s = len(members)
            if s == 0:
                continue
            i = np.arange(s)
            r = disc * np.sqrt((i + 0.5) / s)
            theta = i * GOLDEN_ANGLE
            centre = (GRID_RADIUS + disc + 0.03) * ring[g]
            resident_xy[members] = centre + np.column_stack([r * np.cos(theta),
                                                             r * np.sin(theta)])
        extent = GRID_RADIUS + 2 * disc + 0.08
    petition_xy = np.array([0.86 * extent, 0.86 * extent])
    return Layout(level, unit_xy, population, unit_of_grid, cell_xy, town_xy,
                  np.array([0.0, 0.07]), np.array([0.0, -0.12]), org_xy, petition_xy,
                  resident_xy, extent)


_LAYOUTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def layout_of(model: CoGovernanceModel) -> Layout:
    """The layout of a model's county, computed once per model."""
    hit = _LAYOUTS.get(model)
    if hit is None:
        terr = model.territory
        level = level_for(model.n_residents, terr.n_grids)
        hit = compute_layout(model.residents.grid, terr.community_of_grid,
                             terr.town_of_grid, len(model.social_organisations), level)
        _LAYOUTS[model] = hit
    return hit


# ------------------------------------------------------------------ one week, as data


@dataclass(frozen=True)
class Flow:
    """Open cases of one unit's residents held by one handler now."""

    unit: int
    handler: str  # "party_cell", "town_office", "social_organisation", "county_centre",
    #               "court", "court_entrusted"
    index: int  # the town, organisation or (for party cells) unit; -1 otherwise
    rung: int
    cases: int


@dataclass(frozen=True)
class NetworkFrame:
    """What changes week to week, per unit (see the module docstring)."""

    week: int
    layout: Layout
    open_per_1000: np.ndarray  # (units,)
    petitions_per_10k_year: np.ndarray  # (units,): past 52 weeks
    trust_change: np.ndarray  # (units,): mean trust now minus at week 0
    cells_active: np.ndarray  # (units,): share of the unit's grids with an active cell
    flows: tuple[Flow, ...]
    petitions: tuple[tuple[int, int], ...]  # (unit, petitions in the past PETITION_WEEKS)
    resident_state: np.ndarray | None  # ResidentState per resident at level "residents"
    arisen_this_week: int
    petitions_this_week: int

    def values(self, colour_by: ColourBy) -> np.ndarray:
        return {"open": self.open_per_1000, "petitions": self.petitions_per_10k_year,
                "trust": self.trust_change}[colour_by]


def network_frame(model: CoGovernanceModel) -> NetworkFrame:
    """The network's data for the model's current week."""
    lay = layout_of(model)
    res, pool = model.residents, model.disputes
    unit_of_grid = lay.unit_of_grid
    n_units = lay.n_units
    unit_of_resident = unit_of_grid[res.grid]
    population = np.maximum(np.bincount(unit_of_resident, minlength=n_units), 1)

    open_ids = pool.open_ids
    open_units = unit_of_grid[pool.grid[open_ids]] if len(open_ids) else np.empty(0, int)
    open_per_1000 = np.bincount(open_units, minlength=n_units) / population * 1000

    n = pool.size
    week = model.week
    escalated = pool.outcome[:n] == Outcome.ESCALATED
    ended = pool.ended[:n]
    year = escalated & (ended > week - 52)
    years = min(max(week, 1), 52) / 52
    petitions_year = np.bincount(unit_of_grid[pool.grid[:n][year]], minlength=n_units)
    recent = escalated & (ended > week - PETITION_WEEKS)
    recent_units = Counter(unit_of_grid[pool.grid[:n][recent]].tolist())

    trust_now = np.bincount(unit_of_resident, weights=res.trust, minlength=n_units)
    trust_then = np.bincount(unit_of_resident, weights=res.initial_trust, minlength=n_units)

    cells = np.bincount(unit_of_grid, weights=np.asarray(model.cell_active, dtype=float),
                        minlength=n_units) / np.maximum(np.bincount(unit_of_grid,
                                                                    minlength=n_units), 1)
    flows: Counter = Counter()
    on_ladder = open_ids[pool.stage[open_ids] != Stage.AWAITING_INTAKE] if len(open_ids) \
        else open_ids
    for case in on_ladder.tolist():
        handler, index = holder_of(model, case)
        if not handler:
            continue
        unit = int(unit_of_grid[pool.grid[case]])
        if handler == "party_cell":
            index = int(unit_of_grid[index])
        flows[(unit, handler, index, int(pool.level[case]))] += 1
    states = resident_states(model) if lay.level == "residents" else None
    arisen_now = int(np.count_nonzero(pool.arose[:n] == week))
    return NetworkFrame(
        week=week, layout=lay,
        open_per_1000=open_per_1000,
        petitions_per_10k_year=petitions_year / population * 10_000 / years,
        trust_change=(trust_now - trust_then) / population,
        cells_active=cells,
        flows=tuple(Flow(u, h, i, r, c) for (u, h, i, r), c in sorted(flows.items())),
        petitions=tuple(sorted(recent_units.items())),
        resident_state=states,
        arisen_this_week=arisen_now,
        petitions_this_week=int(np.count_nonzero(escalated & (ended == week))),
    )


# ------------------------------------------------------------------ the ECharts option


def _xy(a: np.ndarray) -> list:
    return np.round(np.asarray(a, dtype=float), 4).tolist()


def handler_xy(lay: Layout, handler: str, index: int) -> list[float]:
    if handler == "party_cell":
        return _xy(lay.cell_xy[index])
    if handler == "town_office":
        return _xy(lay.town_xy[index])
    if handler == "social_organisation":
        return _xy(lay.org_xy[index])
    if handler == "county_centre":
        return _xy(lay.centre_xy)
    return _xy(lay.court_xy)  # court, court_entrusted


SERIES = ("structure", "social", "flows", "petition_lines", "residents", "units", "cells",
          "town_office", "county_centre", "court", "social_organisation", "petitions",
          "followed")


def network_option(lay: Layout, social: np.ndarray, colour_by: ColourBy, lang: Lang) -> dict:
    """The picture's fixed part for one county and colouring; `social`: resident ties
    drawn (pairs of resident rows, level "residents" only)."""
    e = lay.extent
    structure = [{"coords": [_xy(lay.unit_xy[u]), _xy(lay.town_xy[t])]}
                 for u, t in _unit_towns(lay)]
    social_lines = []
    if lay.resident_xy is not None and len(social):
        xy = np.round(lay.resident_xy, 4)
        social_lines = [{"coords": [xy[a].tolist(), xy[b].tolist()]} for a, b in social]
    lo, hi, colours = SCALES[colour_by]
    slot = 2 * np.pi / max(lay.n_units, 1) * 0.9  # rim length per unit, as a share of e
    big = float(np.clip(slot / (2 * e) * 560 * 0.7, 6, 44))  # px in a ~560 px picture

    def scatter(name: str, xy: np.ndarray, symbol: str, size_px: float, colour: str,
                tip: str, z: int) -> dict:
        pts = [_xy(p) for p in np.atleast_2d(xy)] if len(xy) else []
        return {"id": name, "type": "scatter", "symbol": symbol, "symbolSize": size_px,
                "itemStyle": {"color": colour, "borderColor": "#333", "borderWidth": 1},
                "data": [{"value": p, "name": tip} for p in pts], "z": z,
                "tooltip": {"formatter": "{b}"}}

    units_series: dict = {"id": "units", "type": "scatter", "z": 5, "data": [],
                          "symbolSize": 8,
                          "itemStyle": {"borderColor": "#5b6770", "borderWidth": 1}}
    if lay.level == "residents":
        units_series["itemStyle"]["color"] = "#FFFFFF"
    index = SERIES.index  # visual maps name their series by position
    visual = [
        {"type": "continuous", "show": False, "seriesIndex": index("units"), "dimension": 2,
         "min": lo, "max": hi, "inRange": {"color": list(colours)}},
        {"type": "continuous", "show": False, "seriesIndex": index("units"), "dimension": 3,
         "min": 0, "max": 1, "inRange": {"symbolSize": [max(4.0, big / 3), big]}},
        {"type": "continuous", "show": False, "seriesIndex": index("cells"), "dimension": 2,
         "min": 0, "max": 1, "inRange": {"color": list(CELL_COLOURS)}},
        {"type": "piecewise", "show": False, "seriesIndex": index("residents"),
         "dimension": 2,
         "pieces": [{"value": int(s), "color": c} for s, c in STATE_COLOURS.items()]},
    ]
    if lay.level == "residents":
        visual = [v for v in visual if v["seriesIndex"] != index("units")]
    cell_size = float(np.clip(big * 0.55, 7, 16))
    series = [
        {"id": "structure", "type": "lines", "coordinateSystem": "cartesian2d", "z": 1,
         "silent": True, "data": structure,
         "lineStyle": {"color": "#9aa5b1", "width": 0.6, "opacity": 0.35}},
        {"id": "social", "type": "lines", "coordinateSystem": "cartesian2d", "z": 1,
         "silent": True, "data": social_lines,
         "lineStyle": {"color": "#7f8c99", "width": 0.3, "opacity": 0.18}},
        {"id": "flows", "type": "lines", "coordinateSystem": "cartesian2d", "z": 3,
         "silent": True, "data": [], "lineStyle": {"opacity": 0.8, "curveness": 0.08}},
        {"id": "petition_lines", "type": "lines", "coordinateSystem": "cartesian2d", "z": 3,
         "silent": True, "data": [],
         "lineStyle": {"color": PETITION_COLOUR, "opacity": 0.85, "curveness": 0.25}},
        {"id": "residents", "type": "scatter", "z": 4, "silent": True, "data": [],
         "symbolSize": float(np.clip(560 / (2 * e) * 0.02, 2.5, 6))},
        units_series,
        {"id": "cells", "type": "scatter", "symbol": "triangle", "symbolSize": cell_size,
         "z": 6, "silent": True, "data": [],
         "itemStyle": {"borderColor": "#7a0a1c", "borderWidth": 1}},
        scatter("town_office", lay.town_xy, *INSTITUTIONS["town_office"][:3],
                t("town_office", lang), 7),
        scatter("county_centre", lay.centre_xy, *INSTITUTIONS["county_centre"][:3],
                t("county_centre", lang), 7),
        scatter("court", lay.court_xy, *INSTITUTIONS["court"][:3], t("court", lang), 7),
        scatter("social_organisation", lay.org_xy, *INSTITUTIONS["social_organisation"][:3],
                t("social_organisation", lang), 7),
        scatter("petitions", lay.petition_xy, *INSTITUTIONS["petitions"][:3],
                t("petitions_marker", lang), 7),
        {"id": "followed", "type": "lines", "coordinateSystem": "cartesian2d", "z": 8,
         "silent": True, "data": [],
         "lineStyle": {"color": "#111", "width": 3, "type": "dashed", "curveness": 0.15}},
    ]
    assert [x["id"] for x in series] == list(SERIES)
    axis = {"type": "value", "min": -e, "max": e, "show": False}
    return {"animation": False, "grid": {"left": 4, "right": 4, "top": 4, "bottom": 4},
            "xAxis": axis, "yAxis": dict(axis), "tooltip": {"trigger": "item"},
            "visualMap": visual, "series": series}


def _unit_towns(lay: Layout) -> list[tuple[int, int]]:
    """(unit, town) pairs for the faint structure lines (a town unit: to its office)."""
    if lay.level == "towns":
        return [(u, u) for u in range(lay.n_units)]
    # grids: the town of each grid is the nearest town office on its side of the county
    dist = ((lay.unit_xy[:, None, :] - lay.town_xy[None, :, :]) ** 2).sum(axis=2)
    return [(u, int(np.argmin(dist[u]))) for u in range(lay.n_units)]


def _floats(*columns: np.ndarray) -> list[bytes]:
    return [np.asarray(c, dtype=np.float32).tobytes() for c in columns]


def network_update(frame: NetworkFrame, colour_by: ColourBy,
                   followed: list[list[list[float]]] | None = None) -> dict:
    """A frame of the picture: unit colours, cells, flows, petitions, residents' states."""
    lay = frame.layout
    size = np.sqrt(lay.unit_population / max(lay.unit_population.max(), 1))
    series: list[dict] = [
        {"id": "cells", "cols": _floats(lay.cell_xy[:, 0], lay.cell_xy[:, 1],
                                        frame.cells_active)},
        {"id": "flows", "data": [
            {"coords": [_xy(lay.unit_xy[f.unit]), handler_xy(lay, f.handler, f.index)],
             "lineStyle": {"width": round(1.2 + 1.6 * np.sqrt(f.cases), 2),
                           "color": RUNG_COLOURS.get(f.rung, "#333")}}
            for f in frame.flows]},
        {"id": "petition_lines", "data": [
            {"coords": [_xy(lay.unit_xy[u]), _xy(lay.petition_xy)],
             "lineStyle": {"width": round(1.5 + 1.5 * np.sqrt(c), 2)}}
            for u, c in frame.petitions]},
        {"id": "followed", "data": [{"coords": c} for c in (followed or [])]},
    ]
    if lay.level == "residents":
        assert lay.resident_xy is not None and frame.resident_state is not None
        series.append({"id": "residents", "cols": _floats(
            lay.resident_xy[:, 0], lay.resident_xy[:, 1], frame.resident_state)})
        series.append({"id": "units", "cols": _floats(lay.unit_xy[:, 0], lay.unit_xy[:, 1])})
    else:
        lo, hi, _ = SCALES[colour_by]
        values = np.clip(frame.values(colour_by), lo, hi)  # beyond the scale: its end colour
        series.append({"id": "units", "cols": _floats(
            lay.unit_xy[:, 0], lay.unit_xy[:, 1], values, size)})
    return {"series": series}


def social_ties(model: CoGovernanceModel) -> np.ndarray:
    """The resident ties drawn at level "residents" (every k-th when there are many)."""
    if layout_of(model).level != "residents":
        return np.empty((0, 2), dtype=np.int64)
    edges = np.asarray(list(model.network.social.edges()), dtype=np.int64).reshape(-1, 2)
    if len(edges) > MAX_SOCIAL_TIES_DRAWN:
        edges = edges[:: int(np.ceil(len(edges) / MAX_SOCIAL_TIES_DRAWN))]
    return edges
