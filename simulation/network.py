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

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import scipy.sparse as sp

from simulation.population import Territory
from simulation.tie_file import NetworkFileError, read_tie_file

__all__ = ["MultilayerNetwork", "NetworkFileError", "read_tie_file", "small_world_ties",
           "ties_from_edges"]


@dataclass
class MultilayerNetwork:
    """The three layers plus the sparse form of the social layer used in array updates."""

    social: nx.Graph
    adjacency: sp.csr_matrix  # row-normalised social ties (isolated rows are all zero)
    degree: np.ndarray
    service: nx.Graph = field(default_factory=nx.Graph)
    coordination: nx.Graph = field(default_factory=nx.Graph)

    def __post_init__(self) -> None:
        self.isolated = np.flatnonzero(self.degree == 0)  # residents without ties

    def neighbour_mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of `values` over each resident's ties (the resident's own value if none).

        `values` is one value per resident, or one column per quantity (n × k): several
        quantities in one sparse product cost less than one product each.
        """
        out = self.adjacency @ values
        if len(self.isolated):
            out[self.isolated] = values[self.isolated]
        return out


def _edges_to_network(n: int, edges: np.ndarray) -> MultilayerNetwork:
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    edges = edges[edges[:, 0] != edges[:, 1]]
    a = sp.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    a = ((a + a.T) > 0).astype(np.float64).tocsr()
    degree = np.asarray(a.sum(axis=1)).ravel()
    inv = np.divide(1.0, degree, out=np.zeros(n), where=degree > 0)
    adjacency = sp.diags(inv) @ a
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    upper = sp.triu(a, k=1).tocoo()
    graph.add_edges_from(zip(upper.row.tolist(), upper.col.tolist(), strict=True))
    return MultilayerNetwork(social=graph, adjacency=adjacency.tocsr(), degree=degree)


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
