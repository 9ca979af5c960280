"""The multilayer network: resident ties, service ties and coordination ties.

- `social`: resident-resident ties, clustered inside each grid (Watts-Strogatz small
  worlds) with a share of ties to other grids of the same community, or read from a
  user's edge-list or GraphML file (`simulation.tie_file`).
- `service`: which institutional actor serves which grid (built by the model once the
  actors exist; see `CoGovernanceModel._build_service_layer`).
- `coordination`: ties between institutional actors along which hand-offs travel.

All randomness comes from the generator passed in (the model's `rng`), so the same seed
gives the same graph. The social layer is generated and kept as arrays: `adjacency`, a
row-normalised CSR matrix, is what the weekly updates use; its networkx form is built
only when asked for.
"""

from __future__ import annotations

import networkx as nx
import numba
import numpy as np
import scipy.sparse as sp

from simulation.population import Territory
from simulation.tie_file import NetworkFileError, read_tie_file

__all__ = ["FlaggedTieShare", "MultilayerNetwork", "NetworkFileError", "read_tie_file",
           "small_world_ties", "ties_from_edges"]


class MultilayerNetwork:
    """The three layers plus the sparse form of the social layer used in array updates.

    The social layer is held as `adjacency`, a row-normalised CSR matrix; its networkx form
    (`social`) is built from it the first time something asks for it (the browser view's
    drawing, tests), since a county of a million residents would spend most of its set-up
    time and memory on a graph of dicts that the weekly rules never read.
    """

    def __init__(self, adjacency: sp.csr_matrix, degree: np.ndarray) -> None:
        self.adjacency = adjacency  # row-normalised social ties (isolated rows are all zero)
        self.degree = degree
        self.isolated = np.flatnonzero(degree == 0)  # residents without ties
        self.service = nx.Graph()
        self.coordination = nx.Graph()
        self._social: nx.Graph | None = None

    @property
    def n(self) -> int:
        return int(self.adjacency.shape[0])

    @property
    def social(self) -> nx.Graph:
        """The resident ties as a networkx graph: nodes 0..n-1, each tie once (low, high)."""
        if self._social is None:
            graph = nx.Graph()
            graph.add_nodes_from(range(self.n))
            upper = sp.triu(self.adjacency, k=1).tocoo()
            order = np.lexsort((upper.col, upper.row))  # row by row, neighbours ascending
            graph.add_edges_from(zip(upper.row[order].tolist(), upper.col[order].tolist(),
                                     strict=True))
            self._social = graph
        return self._social

    def neighbour_mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of `values` over each resident's ties (the resident's own value if none).

        `values` is one value per resident, or one column per quantity (n × k): several
        quantities in one sparse product cost less than one product each.
        """
        out = self.adjacency @ values
        if len(self.isolated):
            out[self.isolated] = values[self.isolated]
        return out


class FlaggedTieShare:
    """The share of each resident's ties whose other end holds a flag, kept as flags change.

    `MultilayerNetwork.neighbour_mean` of a 0/1 column is a sparse product over every tie;
    a flag such as volunteering changes for a few residents a week, so this keeps the
    count of flagged ties per resident and updates only the residents tied to a change.
    The share is the number `neighbour_mean` gives, bit for bit: a row of the product adds
    the row's weight 1/degree once per flagged tie, in order, so the sum depends only on
    the degree and the count and is read from a table of those running sums.
    """

    def __init__(self, network: MultilayerNetwork, flags: np.ndarray) -> None:
        adj = network.adjacency
        self._indptr, self._indices = adj.indptr, adj.indices
        self._degree = network.degree.astype(np.int64)
        self._isolated = network.isolated
        most = int(self._degree.max()) if self._degree.size else 0
        # sums[d, c]: c additions of 1/d from 0, as the sparse product makes them.
        self._sums = np.zeros((most + 1, most + 1))
        for d in np.unique(self._degree[self._degree > 0]).tolist():
            self._sums[d, 1 : d + 1] = np.cumsum(np.full(d, 1.0 / d))
        self._flags = np.array(flags, dtype=bool)
        running = np.concatenate([[0], np.cumsum(self._flags[self._indices], dtype=np.int64)])
        self.count = np.diff(running[self._indptr]).astype(np.int32)  # flagged ties per row
        self.share = self._sums[self._degree, self.count]
        self.share[self._isolated] = self._flags[self._isolated]  # no ties: its own flag

    def update(self, flags: np.ndarray) -> np.ndarray:
        """Follow the flags as they are now; returns the share of flagged ties per row.

        The returned array is kept and updated in place: read it, do not change it.
        """
        if len(flags) != len(self._flags):  # compiled code does not check its indices
            raise ValueError(f"{len(flags)} flags for {len(self._flags)} residents")
        _follow_flags(np.asarray(flags, dtype=np.bool_), self._flags, self._indptr,
                      self._indices, self._degree, self._sums, self.count, self.share)
        return self.share


@numba.njit(cache=True, nogil=True)
def _follow_flags(flags: np.ndarray, kept: np.ndarray, indptr: np.ndarray,
                  indices: np.ndarray, degree: np.ndarray, sums: np.ndarray,
                  count: np.ndarray, share: np.ndarray) -> None:  # pragma: no cover
    """`FlaggedTieShare.update` in one pass: each row whose flag changed passes the change
    to its neighbours' counts of flagged ties (+1 or −1), whose shares are read anew from
    the table of running sums; a row without ties takes its own flag."""
    for i in range(flags.shape[0]):
        now = flags[i]
        if now == kept[i]:
            continue
        kept[i] = now
        step = 1 if now else -1
        lo, hi = indptr[i], indptr[i + 1]
        if lo == hi:
            share[i] = 1.0 if now else 0.0
            continue
        for k in range(lo, hi):
            j = indices[k]
            count[j] += step
            share[j] = sums[degree[j], count[j]]


def _edges_to_network(n: int, edges: np.ndarray) -> MultilayerNetwork:
    """The network of `n` residents with these ties (pairs of rows, in either order).

    Self-ties are dropped and repeated ties kept once. The CSR matrix is built directly,
    row by row with neighbours in ascending order; each entry of row i is 1/degree_i.
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    edges = edges[edges[:, 0] != edges[:, 1]]
    # Each tie in both directions as row × n + neighbour, sorted: row by row, neighbours
    # ascending; repeated ties kept once.
    pairs = np.concatenate([edges[:, 0] * n + edges[:, 1], edges[:, 1] * n + edges[:, 0]])
    del edges
    pairs.sort()
    pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]
    indptr = np.searchsorted(pairs, np.arange(n + 1, dtype=np.int64) * n)
    cols = pairs % n
    del pairs
    degree = np.diff(indptr).astype(np.float64)
    inv = np.divide(1.0, degree, out=np.zeros(n), where=degree > 0)
    index = np.int32 if max(n, len(cols)) < 2**31 else np.int64
    adjacency = sp.csr_matrix(
        (np.repeat(inv, np.diff(indptr)), cols.astype(index), indptr.astype(index)),
        shape=(n, n),
    )
    return MultilayerNetwork(adjacency, degree)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For blocks [start, start + length): (which block, offset in the block) per element."""
    block = np.repeat(np.arange(len(lengths)), lengths)
    offset = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return block, offset


def _ring_lattices(size: np.ndarray, half: np.ndarray, start: np.ndarray, rewiring: float,
                   rng: np.random.Generator) -> np.ndarray:
    """Watts-Strogatz small worlds in many groups at once, as pairs of positions.

    Group g holds positions start_g .. start_g + size_g − 1 on a ring; each position is
    tied to the next `half_g` on the ring (Watts & Strogatz 1998), and each tie is
    rewired with probability `rewiring`: its far end moves to a position of the same group
    drawn uniformly among the others, drawn again while the tie would repeat one that
    exists. A group whose ring already ties everyone to everyone is not rewired.
    Unlike networkx's `watts_strogatz_graph`, which rewires one tie after another, all
    ties of all groups are rewired at once.
    """
    n_positions = int(size.sum())
    group_of_position = np.repeat(np.arange(len(size)), size)
    position, step = _ranges(np.arange(n_positions), np.repeat(half, size))
    group = group_of_position[position]
    local = position - start[group]
    s = size[group]
    far = (local + step + 1) % s
    moved = np.flatnonzero((rng.random(len(far)) < rewiring) & (s - 1 > 2 * half[group]))

    def draw(which: np.ndarray, both_ends: bool = False) -> np.ndarray:
        """New far ends for these ties (a uniform other position of the group), or new
        pairs of the group when `both_ends`; returns their keys."""
        if both_ends:
            local[which] = rng.integers(0, s[which])
            position[which] = start[group[which]] + local[which]
        far[which] = (local[which] + 1 + rng.integers(0, s[which] - 1)) % s[which]
        near, other = position[which], start[group[which]] + far[which]
        return np.minimum(near, other) * n_positions + np.maximum(near, other)

    keys = draw(moved)
    # The ties kept so far, as sorted keys: every tie not rewired (no two repeat) ...
    fixed = np.ones(len(far), dtype=bool)
    fixed[moved] = False
    near, other = position[fixed], start[group[fixed]] + far[fixed]
    taken = np.sort(np.minimum(near, other) * n_positions + np.maximum(near, other))
    pending = moved
    for attempt in range(200):
        # ... then the rewired ones that repeat neither a kept tie nor an earlier one.
        at = np.minimum(np.searchsorted(taken, keys), max(len(taken) - 1, 0))
        clash = taken[at] == keys if len(taken) else np.zeros(len(keys), dtype=bool)
        _, first = np.unique(keys, return_index=True)
        fresh = np.zeros(len(keys), dtype=bool)
        fresh[first] = True
        ok = fresh & ~clash
        accepted = np.sort(keys[ok])
        taken = np.insert(taken, np.searchsorted(taken, accepted), accepted)
        pending = pending[~ok]
        if len(pending) == 0:
            break
        # A near end that others' rewired ties have tied to everyone can take no new
        # tie: after a while such a tie moves to a free pair of its group instead, so
        # the number of ties stays what the ring had.
        keys = draw(pending, both_ends=attempt >= 20)
    return np.column_stack([position, start[group] + far])


def small_world_ties(
    territory: Territory,
    ties_urban: float,
    ties_rural: float,
    rewiring: float,
    cross_grid_share: float,
    rng: np.random.Generator,
) -> MultilayerNetwork:
    """Resident ties: a small world inside each grid plus random ties across its community.

    Inside grid g with s residents each resident gets on average (1 - cross) × k ties
    (k = the area's ties per resident): a Watts-Strogatz graph with the largest even
    number of ties below that, plus random pairs inside the grid for the remainder. Then
    ties to random residents of other grids of the same community bring each resident's
    mean to k, about cross × k of them across grids. Every grid and community is drawn at
    once, in arrays.
    """
    grid_of = territory.grid_of
    n = len(grid_of)
    # Residents grid by grid: grid g holds positions start[g] .. start[g] + size[g] − 1.
    members = np.argsort(grid_of, kind="stable")
    size = territory.grid_size.astype(np.int64)
    start = np.cumsum(size) - size
    k_area = np.where(territory.urban_grid, ties_urban, ties_rural)
    within = np.minimum(k_area * (1 - cross_grid_share), size - 1)
    k = (within // 2 * 2).astype(np.int64)  # Watts-Strogatz needs an even number of ties
    k[(k < 2) | (size <= 2)] = 0
    blocks = [_ring_lattices(size, k // 2, start, rewiring, rng)]
    # The remainder inside each grid: a Poisson number of random pairs.
    extra = rng.poisson(np.where(size > 1, (within - k) * size / 2, 0.0))
    grid = np.repeat(np.arange(len(size)), extra)
    blocks.append(np.column_stack([start[grid] + rng.integers(0, size[grid]),
                                   start[grid] + rng.integers(0, size[grid])]))
    # Ties across grids of the same community: pairs drawn from the whole community, of
    # which those joining two grids are kept (drawn enough that those hit the target).
    community = territory.community_of_grid
    n_c = np.bincount(community, weights=size).astype(np.int64)
    grids_c = np.bincount(community)
    k_mean = np.bincount(community, weights=size * k_area) / np.maximum(n_c, 1)
    p_apart = 1.0 - np.bincount(community, weights=size**2) / np.maximum(n_c, 1) ** 2
    many = grids_c >= 2
    pairs = np.zeros(len(n_c), dtype=np.int64)
    pairs[many] = rng.poisson(n_c[many] * cross_grid_share * k_mean[many] / 2 / p_apart[many])
    # Positions community by community (grids of a community are not always adjacent).
    by_community = np.argsort(community[np.repeat(np.arange(len(size)), size)], kind="stable")
    c_start = np.cumsum(n_c) - n_c
    c = np.repeat(np.arange(len(n_c)), pairs)
    a = by_community[c_start[c] + rng.integers(0, n_c[c])]
    b = by_community[c_start[c] + rng.integers(0, n_c[c])]
    position_grid = np.repeat(np.arange(len(size)), size)
    keep = position_grid[a] != position_grid[b]
    blocks.append(np.column_stack([a[keep], b[keep]]))
    return _edges_to_network(n, members[np.concatenate(blocks)])


def ties_from_edges(n: int, edges: np.ndarray) -> MultilayerNetwork:
    """The network for residents whose ties were read from a file."""
    return _edges_to_network(n, edges)
