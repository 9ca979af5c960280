"""The multilayer network: resident ties, service ties and coordination ties.

- `social`: resident-resident ties, clustered inside each grid (Watts-Strogatz small
  worlds) with a share of ties to other grids of the same community, or read from a
  user's edge-list or GraphML file (`simulation.tie_file`).
- `service`: which institutional actor serves which grid (built by the model once the
  actors exist; see `CoGovernanceModel._build_service_layer`).
- `coordination`: ties between institutional actors along which hand-offs travel.

All randomness comes from the generator passed in (the model's `rng`); networkx
generators receive integer seeds drawn from it, so the same seed gives the same graph.
Array operations run on `adjacency`, a row-normalised sparse matrix of the social layer.
"""

from __future__ import annotations

import networkx as nx
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
        changed = np.flatnonzero(flags != self._flags)
        if len(changed) == 0:
            return self.share
        now = flags[changed]
        self._flags[changed] = now
        starts, ends = self._indptr[changed], self._indptr[changed + 1]
        lengths = (ends - starts).astype(np.int64)
        # The ties of every changed row, end to end: its neighbours gain or lose one.
        first = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        neighbours = self._indices[first + np.arange(lengths.sum())]
        np.add.at(self.count, neighbours, np.repeat(np.where(now, 1, -1), lengths))
        self.share[neighbours] = self._sums[self._degree[neighbours], self.count[neighbours]]
        alone = changed[self._degree[changed] == 0]
        self.share[alone] = flags[alone]
        return self.share


def _edges_to_network(n: int, edges: np.ndarray) -> MultilayerNetwork:
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    edges = edges[edges[:, 0] != edges[:, 1]]
    a = sp.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    a = ((a + a.T) > 0).astype(np.float64).tocsr()
    degree = np.asarray(a.sum(axis=1)).ravel()
    inv = np.divide(1.0, degree, out=np.zeros(n), where=degree > 0)
    adjacency = sp.diags(inv) @ a
    return MultilayerNetwork(adjacency.tocsr(), degree)


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
    mean to k, about cross × k of them across grids.
    """
    grid_of = territory.grid_of
    n = len(grid_of)
    members = np.argsort(grid_of, kind="stable")
    starts = np.concatenate([[0], np.cumsum(territory.grid_size)])
    edge_blocks: list[np.ndarray] = []
    for g in range(territory.n_grids):
        ids = members[starts[g] : starts[g + 1]]
        s = len(ids)
        k_area = ties_urban if territory.urban_grid[g] else ties_rural
        within = min(k_area * (1 - cross_grid_share), s - 1)
        k = int(within // 2 * 2)  # Watts-Strogatz needs an even number of ties
        if k >= 2 and s > 2:
            seed = int(rng.integers(2**31))
            local = nx.watts_strogatz_graph(s, k, rewiring, seed=seed)
            e = np.asarray(local.edges(), dtype=np.int64).reshape(-1, 2)
            edge_blocks.append(ids[e])
        else:
            k = 0
        extra = int(rng.poisson((within - k) * s / 2)) if s > 1 else 0
        if extra:
            edge_blocks.append(np.column_stack([rng.choice(ids, extra), rng.choice(ids, extra)]))
    # Ties across grids of the same community.
    comm_of_res = territory.community_of_grid[grid_of]
    for c in range(territory.n_communities):
        res_c = np.flatnonzero(comm_of_res == c)
        if len(np.unique(grid_of[res_c])) < 2:
            continue
        k_mean = np.where(territory.urban_grid[grid_of[res_c]], ties_urban, ties_rural).mean()
        # Draw enough pairs that the ones joining two different grids hit the target.
        sizes = np.bincount(grid_of[res_c]) / len(res_c)
        p_apart = 1.0 - float((sizes**2).sum())
        m = int(rng.poisson(len(res_c) * cross_grid_share * k_mean / 2 / p_apart))
        a = rng.choice(res_c, size=m)
        b = rng.choice(res_c, size=m)
        keep = grid_of[a] != grid_of[b]
        edge_blocks.append(np.column_stack([a[keep], b[keep]]))
    edges = np.concatenate(edge_blocks) if edge_blocks else np.empty((0, 2), dtype=np.int64)
    return _edges_to_network(n, edges)


def ties_from_edges(n: int, edges: np.ndarray) -> MultilayerNetwork:
    """The network for residents whose ties were read from a file."""
    return _edges_to_network(n, edges)
