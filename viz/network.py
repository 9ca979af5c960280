"""The network picture: grids, institutional actors, their ties, and residents when few.

What is drawn depends on the county's size:

- up to `RESIDENT_DRAW_LIMIT` residents, every resident is a dot coloured by its
  `ResidentState`, placed in a small disc beside its grid, with its social ties;
- above that, each grid is one circle sized by its population and coloured by the share of
  its residents in a dispute or by their mean trust.

Institutional actors (party cells, town offices, the county centre, the court, social
organisations) are always drawn, tied by the model's service and coordination layers.

Positions are computed once per county structure, by a fixed radial arrangement
(county centre in the middle, towns as sectors, grids on the rim; residents as a
sunflower disc per grid) and cached: nothing here runs a force-directed layout, and the
10,000-node resident graph is never laid out (model brief §9).
"""

from __future__ import annotations

import io
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from simulation.agents.resident import ResidentState, resident_states

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from simulation.model import CoGovernanceModel

RESIDENT_DRAW_LIMIT = 1_500
MAX_SOCIAL_TIES_DRAWN = 6_000  # ties among drawn residents; beyond this every k-th is drawn

ColourBy = Literal["dispute", "trust"]
COLOUR_BY: tuple[ColourBy, ...] = ("dispute", "trust")
# Fixed colour scales, so that a change over time or between mixes shows as a change of
# colour: share of a grid's residents in an open dispute, and mean trust.
SCALES: dict[ColourBy, tuple[str, float, float]] = {
    "dispute": ("YlOrRd", 0.0, 0.02),
    "trust": ("cividis", 0.3, 0.8),
}
STATE_COLOURS = {  # Okabe-Ito colours, told apart by colour-blind viewers too
    ResidentState.CALM: "#B8C4CE",
    ResidentState.IN_DISPUTE: "#D55E00",
    ResidentState.DISCONTENTED: "#CC79A7",
}
ACTOR_STYLE = {  # marker, size (pt^2), face colour, edge colour
    "party_cell": ("^", 46, "#C8102E", "#7a0a1c"),
    "party_cell_inactive": ("^", 30, "#FFFFFF", "#9aa5b1"),
    "town_office": ("s", 170, "#0072B2", "#00385a"),
    "county_centre": ("*", 520, "#E69F00", "#5c4000"),
    "court": ("D", 190, "#4D4D4D", "#1a1a1a"),
    "social_organisation": ("p", 190, "#009E73", "#004d38"),
}
TIE_STYLE = {  # colour, line width, alpha
    "social_tie": ("#7f8c99", 0.3, 0.18),
    "service_tie": ("#9aa5b1", 0.6, 0.35),
    "coordination_tie": ("#B8860B", 1.3, 0.75),
}
HOT_SIZE = 3.0  # area of a resident in a dispute or discontented, relative to a calm one
FIG_INCHES = 6.4
FIG_DPI = 90

GRID_RADIUS = 1.0
CELL_RADIUS = 0.82
TOWN_RADIUS = 0.5
ORG_RADIUS = 0.24
GOLDEN_ANGLE = np.pi * (3 - np.sqrt(5))


# ------------------------------------------------------------------ layout (once per county)


@dataclass(frozen=True)
class Layout:
    """Positions of everything drawn for one county structure (data units)."""

    grid_xy: np.ndarray  # (grids, 2)
    cell_xy: np.ndarray  # (grids, 2): each grid's party cell
    town_xy: np.ndarray  # (towns, 2)
    centre_xy: np.ndarray  # (2,)
    court_xy: np.ndarray  # (2,)
    org_xy: np.ndarray  # (social organisations, 2)
    grid_radius: np.ndarray  # (grids,): circle radius of a grid in the aggregated view
    resident_xy: np.ndarray | None  # (residents, 2) when residents are drawn
    resident_size: float  # dot area in pt^2 when residents are drawn
    extent: float  # half the width of the square that holds everything


_LAYOUTS: OrderedDict[tuple, Layout] = OrderedDict()
_LAYOUT_CACHE_SIZE = 8


def layout_for(grid_of: np.ndarray, community_of_grid: np.ndarray, town_of_grid: np.ndarray,
               n_orgs: int, draw_residents: bool) -> Layout:
    """The (cached) layout of a county structure; residents placed only if drawn."""
    key = (grid_of.tobytes() if draw_residents else len(grid_of),
           np.bincount(grid_of).tobytes(), community_of_grid.tobytes(),
           town_of_grid.tobytes(), n_orgs, draw_residents)
    hit = _LAYOUTS.get(key)
    if hit is not None:
        _LAYOUTS.move_to_end(key)
        return hit
    layout = compute_layout(grid_of, community_of_grid, town_of_grid, n_orgs, draw_residents)
    _LAYOUTS[key] = layout
    while len(_LAYOUTS) > _LAYOUT_CACHE_SIZE:
        _LAYOUTS.popitem(last=False)
    return layout


def compute_layout(grid_of: np.ndarray, community_of_grid: np.ndarray,
                   town_of_grid: np.ndarray, n_orgs: int, draw_residents: bool) -> Layout:
    """A radial arrangement, O(residents + grids), with no randomness.

    Grids sit on a circle in order of town and community, with a small gap between
    communities and a larger one between towns; each grid's party cell sits just inside
    it; town offices at the middle of their sector; social organisations on a small ring
    round the county centre and the court. Drawn residents fill a sunflower disc just
    outside their grid.
    """
    n_grids = len(community_of_grid)
    order = np.lexsort((np.arange(n_grids), community_of_grid, town_of_grid))
    gaps = np.zeros(n_grids)
    if n_grids > 1:
        new_comm = community_of_grid[order][1:] != community_of_grid[order][:-1]
        new_town = town_of_grid[order][1:] != town_of_grid[order][:-1]
        gaps[1:] = np.where(new_town, 1.5, np.where(new_comm, 0.4, 0.0))
    units = np.cumsum(1.0 + gaps) - 0.5  # centre of each grid's slot, in slot units
    total = units[-1] + 0.5 + (1.5 if town_of_grid.max() > 0 else 0.0)
    angle = np.empty(n_grids)
    angle[order] = np.pi / 2 - 2 * np.pi * units / total  # clockwise from the top
    unit_arc = 2 * np.pi * GRID_RADIUS / total  # rim length of one slot
    ring = np.column_stack([np.cos(angle), np.sin(angle)])
    grid_xy = GRID_RADIUS * ring
    cell_xy = CELL_RADIUS * ring

    n_towns = int(town_of_grid.max()) + 1
    town_xy = np.zeros((n_towns, 2))
    for t in range(n_towns):
        mean = ring[town_of_grid == t].mean(axis=0)
        norm = np.hypot(*mean)
        town_xy[t] = TOWN_RADIUS * (mean / norm if norm > 1e-9 else np.array([0.0, 1.0]))
        if n_towns == 1:
            town_xy[t] = np.array([0.0, TOWN_RADIUS])
    centre_xy = np.array([0.0, 0.06])
    court_xy = np.array([0.0, -0.12])
    org_angle = -np.pi / 2 + 2 * np.pi * (np.arange(n_orgs) + 0.5) / max(n_orgs, 1)
    org_xy = ORG_RADIUS * np.column_stack([np.cos(org_angle), np.sin(org_angle)])

    size = np.bincount(grid_of, minlength=n_grids).astype(float)
    grid_radius = 0.45 * min(unit_arc, 0.5) * np.sqrt(size / max(size.max(), 1.0))

    resident_xy = None
    resident_size = 0.0
    extent = GRID_RADIUS + 0.6 * min(unit_arc, 0.5) + 0.08
    if draw_residents:
        disc = min(0.42 * unit_arc, 0.32)  # radius of each grid's resident disc
        resident_xy = np.zeros((len(grid_of), 2))
        rows = np.argsort(grid_of, kind="stable")
        starts = np.concatenate([[0], np.cumsum(size.astype(int))])
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
        points_per_unit = FIG_INCHES * 72 / (2 * extent)
        spacing = disc * np.sqrt(np.pi / max(size.max(), 1.0)) * points_per_unit
        resident_size = float(np.clip(0.85 * spacing, 1.5, 9.0) ** 2)
    return Layout(grid_xy, cell_xy, town_xy, centre_xy, court_xy, org_xy, grid_radius,
                  resident_xy, resident_size, extent)


# ------------------------------------------------------------------ what is drawn, as data


@dataclass(frozen=True)
class StaticNetwork:
    """What stays fixed for one model: layout, node positions and the drawn ties."""

    layout: Layout
    draw_residents: bool
    service_segments: np.ndarray  # (ties, 2, 2)
    social_segments: np.ndarray  # (ties, 2, 2); empty when residents are not drawn
    node_xy: dict  # model node (agent id or ("grid", g)) -> (x, y)


@dataclass(frozen=True)
class NetworkData:
    """One frame of the network picture."""

    static: StaticNetwork
    n_residents: int
    resident_state: np.ndarray | None  # ResidentState per resident when drawn
    grid_share_in_dispute: np.ndarray
    grid_trust: np.ndarray
    grid_population: np.ndarray
    cell_active: np.ndarray
    coordination_segments: np.ndarray  # (ties, 2, 2)
    state_counts: dict[str, int]  # residents by ResidentState name

    @property
    def draw_residents(self) -> bool:
        return self.static.draw_residents

    def grid_values(self, colour_by: ColourBy) -> np.ndarray:
        return self.grid_share_in_dispute if colour_by == "dispute" else self.grid_trust


_STATIC: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _segments(graph, node_xy: dict) -> np.ndarray:
    pairs = [(node_xy[u], node_xy[v]) for u, v in graph.edges() if u in node_xy and v in node_xy]
    return np.asarray(pairs, dtype=float).reshape(-1, 2, 2)


def static_network(model: CoGovernanceModel) -> StaticNetwork:
    """The fixed part of a model's picture, computed once per model and cached."""
    hit = _STATIC.get(model)
    if hit is not None:
        return hit
    terr = model.territory
    draw = model.n_residents <= RESIDENT_DRAW_LIMIT
    layout = layout_for(model.residents.grid, terr.community_of_grid, terr.town_of_grid,
                        len(model.social_organisations), draw)
    node_xy: dict = {("grid", g): tuple(layout.grid_xy[g]) for g in range(terr.n_grids)}
    for cell in model.party_cells:
        node_xy[cell.unique_id] = tuple(layout.cell_xy[cell.grid])
    for office in model.town_offices:
        node_xy[office.unique_id] = tuple(layout.town_xy[office.town])
    node_xy[model.county_centre.unique_id] = tuple(layout.centre_xy)
    node_xy[model.court.unique_id] = tuple(layout.court_xy)
    for org, xy in zip(model.social_organisations, layout.org_xy, strict=True):
        node_xy[org.unique_id] = tuple(xy)
    service = _segments(model.network.service, node_xy)
    social = np.empty((0, 2, 2))
    if draw and layout.resident_xy is not None:
        edges = np.asarray(list(model.network.social.edges()), dtype=np.int64).reshape(-1, 2)
        if len(edges) > MAX_SOCIAL_TIES_DRAWN:
            edges = edges[:: int(np.ceil(len(edges) / MAX_SOCIAL_TIES_DRAWN))]
        social = layout.resident_xy[edges]
    out = StaticNetwork(layout, draw, service, social, node_xy)
    _STATIC[model] = out
    return out


def network_data(model: CoGovernanceModel) -> NetworkData:
    """The network picture's data for the model's current week."""
    static = static_network(model)
    res = model.residents
    n_grids = model.territory.n_grids
    states = resident_states(model)
    pop = np.maximum(model.grid_population, 1)
    share = np.bincount(res.grid, weights=states == ResidentState.IN_DISPUTE,
                        minlength=n_grids) / pop
    trust = np.bincount(res.grid, weights=res.trust, minlength=n_grids) / pop
    counts = np.bincount(states, minlength=len(ResidentState))
    return NetworkData(
        static=static,
        n_residents=model.n_residents,
        resident_state=states if static.draw_residents else None,
        grid_share_in_dispute=share,
        grid_trust=trust,
        grid_population=model.grid_population.copy(),
        cell_active=np.asarray(model.cell_active, dtype=bool).copy(),
        coordination_segments=_segments(model.network.coordination, static.node_xy),
        state_counts={s.name.lower(): int(counts[s]) for s in ResidentState},
    )


# ------------------------------------------------------------------ the figure


def colour_stops(colour_by: ColourBy, n: int = 6) -> list[str]:
    """Hex colours along a grid colour scale (for the legend's gradient, in HTML)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps[SCALES[colour_by][0]]
    return [to_hex(cmap(x)) for x in np.linspace(0, 1, n)]


class NetworkPainter:
    """Draws `NetworkData` to PNG, keeping the figure between frames.

    The figure is rebuilt when the county (its `StaticNetwork`) or the colouring changes;
    otherwise a frame only recolours dots and circles and redraws the coordination ties.
    All words (legend, scale) are on the page in HTML, so the figure holds none and
    needs no CJK font.
    """

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._fig: Figure | None = None
        self._artists: dict = {}

    def render(self, data: NetworkData, colour_by: ColourBy = "dispute") -> bytes:
        key = (id(data.static), colour_by)
        if key != self._key or self._fig is None:
            self._build(data, colour_by)
            self._key = key
        self._update(data, colour_by)
        buf = io.BytesIO()
        assert self._fig is not None
        self._fig.savefig(buf, format="png", dpi=FIG_DPI, pil_kwargs={"compress_level": 1})
        return buf.getvalue()

    def _build(self, data: NetworkData, colour_by: ColourBy) -> None:
        from matplotlib.collections import EllipseCollection, LineCollection
        from matplotlib.figure import Figure

        st = data.static
        lay = st.layout
        fig = Figure(figsize=(FIG_INCHES, FIG_INCHES), dpi=FIG_DPI)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        ax.set_xlim(-lay.extent, lay.extent)
        ax.set_ylim(-lay.extent, lay.extent)
        ax.set_aspect("equal")
        a = self._artists = {}
        if len(st.social_segments):
            colour, width, alpha = TIE_STYLE["social_tie"]
            ax.add_collection(LineCollection(st.social_segments, colors=colour,
                                             linewidths=width, alpha=alpha, zorder=1))
        colour, width, alpha = TIE_STYLE["service_tie"]
        ax.add_collection(LineCollection(st.service_segments, colors=colour, linewidths=width,
                                         alpha=alpha, zorder=2))
        colour, width, alpha = TIE_STYLE["coordination_tie"]
        a["coordination"] = LineCollection(np.empty((0, 2, 2)), colors=colour,
                                           linewidths=width, alpha=alpha, zorder=3)
        ax.add_collection(a["coordination"])
        if st.draw_residents:
            assert lay.resident_xy is not None
            a["residents"] = ax.scatter(lay.resident_xy[:, 0], lay.resident_xy[:, 1],
                                        s=lay.resident_size, linewidths=0, zorder=4)
            # Residents in a dispute or discontented, larger and on top, so few stand out.
            a["hot"] = ax.scatter(np.empty(0), np.empty(0), s=HOT_SIZE * lay.resident_size,
                                  linewidths=0.4, edgecolors="white", zorder=5)
            ax.scatter(lay.grid_xy[:, 0], lay.grid_xy[:, 1], s=36, facecolors="white",
                       edgecolors="#5b6770", linewidths=1.2, zorder=5)
        else:
            cmap, lo, hi = SCALES[colour_by]
            d = 2 * lay.grid_radius
            grids = EllipseCollection(d, d, np.zeros_like(d), units="xy", offsets=lay.grid_xy,
                                      offset_transform=ax.transData, cmap=cmap,
                                      edgecolors="#5b6770", linewidths=0.8, zorder=5)
            grids.set_clim(lo, hi)
            ax.add_collection(grids)
            a["grids"] = grids
        marker, size, face, edge = ACTOR_STYLE["party_cell"]
        a["cells"] = ax.scatter(lay.cell_xy[:, 0], lay.cell_xy[:, 1], s=size, marker=marker,
                                linewidths=0.9, zorder=6)
        for name, xy in (("town_office", lay.town_xy), ("county_centre", lay.centre_xy[None]),
                         ("court", lay.court_xy[None]), ("social_organisation", lay.org_xy)):
            marker, size, face, edge = ACTOR_STYLE[name]
            if len(xy):
                ax.scatter(xy[:, 0], xy[:, 1], s=size, marker=marker, c=face, edgecolors=edge,
                           linewidths=1.0, zorder=7)
        self._fig = fig

    def _update(self, data: NetworkData, colour_by: ColourBy) -> None:
        from matplotlib.colors import to_rgba

        a = self._artists
        a["coordination"].set_segments(list(data.coordination_segments))
        if "residents" in a and data.resident_state is not None:
            palette = np.array([to_rgba(STATE_COLOURS[s]) for s in ResidentState])
            a["residents"].set_facecolors(palette[data.resident_state])
            hot = np.flatnonzero(data.resident_state != ResidentState.CALM)
            xy = data.static.layout.resident_xy
            assert xy is not None
            a["hot"].set_offsets(xy[hot] if len(hot) else np.empty((0, 2)))
            a["hot"].set_facecolors(palette[data.resident_state[hot]])
        if "grids" in a:
            a["grids"].set_array(data.grid_values(colour_by))
        on = ACTOR_STYLE["party_cell"]
        off = ACTOR_STYLE["party_cell_inactive"]
        face = np.where(data.cell_active[:, None], np.array(to_rgba(on[2])),
                        np.array(to_rgba(off[2])))
        edge = np.where(data.cell_active[:, None], np.array(to_rgba(on[3])),
                        np.array(to_rgba(off[3])))
        a["cells"].set_facecolors(face)
        a["cells"].set_edgecolors(edge)
        a["cells"].set_sizes(np.where(data.cell_active, on[1], off[1]))
