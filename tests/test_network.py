"""The resident tie layer: generated small worlds inside grids, or ties read from a file."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from conftest import small_scenario, sorted_edges

from simulation.model import CoGovernanceModel
from simulation.network import NetworkFileError, read_tie_file


def build(updates: dict | None = None, seed: int = 1, **kw) -> CoGovernanceModel:
    return CoGovernanceModel(small_scenario(updates or {}), rng=seed, **kw)


def cross_grid_edges(model: CoGovernanceModel) -> tuple[np.ndarray, np.ndarray]:
    """(all edges as an array, mask of those joining two grids)."""
    e = np.asarray(sorted_edges(model), dtype=np.int64).reshape(-1, 2)
    g = model.residents.grid
    return e, g[e[:, 0]] != g[e[:, 1]]


# --- generated ties ------------------------------------------------------------------


def test_same_seed_same_graph_other_seed_other_graph() -> None:
    a, b, c = build(seed=4), build(seed=4), build(seed=5)
    assert sorted_edges(a) == sorted_edges(b)
    assert sorted_edges(a) != sorted_edges(c)
    np.testing.assert_array_equal(a.network.degree, b.network.degree)
    assert (a.network.adjacency != b.network.adjacency).nnz == 0


def test_adjacency_is_the_row_normalised_social_layer() -> None:
    model = build()
    net = model.network
    a = nx.to_scipy_sparse_array(net.social, nodelist=range(model.n_residents), format="csr")
    degree = np.asarray(a.sum(axis=1)).ravel()
    np.testing.assert_array_equal(net.degree, degree)
    np.testing.assert_allclose(net.adjacency.toarray(), a.toarray() / degree[:, None])
    assert not any(u == v for u, v in net.social.edges())  # no self-ties
    values = np.random.default_rng(0).random(model.n_residents)
    np.testing.assert_allclose(net.neighbour_mean(values), (a @ values) / degree)


@pytest.mark.parametrize("cross", [0.1, 0.3])
def test_ties_are_mostly_inside_grids(cross: float) -> None:
    """The share of ties joining two grids is near `cross_grid_share`.

    Tolerance 20%: the generator draws the cross-grid ties at random inside the
    community and drops pairs that fall in one grid, and rounds the ties inside a grid to
    an even number, so the share comes out a little under the parameter (0.09 for 0.1,
    0.26 for 0.3 at the default ties).
    """
    shares = []
    for seed in (1, 2, 3):
        model = build({"network.cross_grid_share": cross}, seed=seed)
        edges, across = cross_grid_edges(model)
        shares.append(across.mean())
        # Ties across grids stay inside the community.
        community = model.territory.community_of_grid[model.residents.grid]
        assert np.all(community[edges[across, 0]] == community[edges[across, 1]])
    assert np.mean(shares) == pytest.approx(cross, rel=0.20)
    assert max(shares) < 0.5


def test_no_cross_grid_share_no_ties_across_grids() -> None:
    model = build({"network.cross_grid_share": 0.0})
    _, across = cross_grid_edges(model)
    assert not across.any()
    # Without cross-grid ties the mean degree is exactly the (even) ties of each area:
    # rewiring moves ties but keeps their number.
    res = model.residents
    assert model.network.degree[res.urban].mean() == 6.0
    assert model.network.degree[~res.urban].mean() == 10.0


@pytest.mark.parametrize(("ties_urban", "ties_rural"), [(6.0, 10.0), (12.0, 4.0)])
def test_mean_degree_follows_the_area_ties(ties_urban: float, ties_rural: float) -> None:
    model = build({"network.ties_urban": ties_urban, "network.ties_rural": ties_rural})
    res = model.residents
    urban = model.network.degree[res.urban].mean()
    rural = model.network.degree[~res.urban].mean()
    assert res.urban.any() and (~res.urban).any()
    assert (urban < rural) == (ties_urban < ties_rural)
    assert abs(urban - rural) > 2


def test_mean_degree_is_close_to_the_declared_ties() -> None:
    model = build()
    res = model.residents
    p = model.params.network
    assert model.network.degree[res.urban].mean() == pytest.approx(p.ties_urban, rel=0.15)
    assert model.network.degree[~res.urban].mean() == pytest.approx(p.ties_rural, rel=0.15)


# --- ties from a file --------------------------------------------------------------------


def file_scenario(name: str, **more) -> dict:
    return {"network.generator": "file", "network.file": name, **more}


def expected_index(nodes: list[int]) -> dict[int, int]:
    return {node: i for i, node in enumerate(sorted(nodes))}


def test_edge_list_file_sets_residents_and_ties(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    ids = rng.choice(np.arange(1, 5000), size=150, replace=False).tolist()  # not 0..n-1
    graph = nx.gnm_random_graph(150, 400, seed=3)
    pairs = [(ids[u], ids[v]) for u, v in graph.edges()]
    covered = {x for pair in pairs for x in pair}
    lines = ["# resident ties, one per line", ""]
    for i, (u, v) in enumerate(pairs):
        lines.append(f"{u},{v}" if i % 3 == 0 else f"{u} {v}   # a comment" if i % 3 == 1
                     else f"{u}\t{v}")
    (tmp_path / "ties.edgelist").write_text("\n".join(lines) + "\n", encoding="utf-8")

    model = CoGovernanceModel(
        small_scenario(file_scenario("ties.edgelist", **{"population.residents_per_grid": 40})),
        rng=1, scenario_dir=tmp_path,
    )
    index = expected_index(sorted(covered))
    assert model.n_residents == len(covered)
    assert len(model.residents) == len(covered)
    want = sorted({(min(index[u], index[v]), max(index[u], index[v])) for u, v in pairs})
    assert sorted_edges(model) == want
    # No grid attribute: consecutive blocks of residents_per_grid.
    np.testing.assert_array_equal(model.residents.grid,
                                  np.arange(model.n_residents) // 40)
    for _ in range(8):  # and it runs
        model.step()
    assert model.week == 8


def test_graphml_file_with_grid_attribute(tmp_path: Path) -> None:
    n = 120
    graph = nx.watts_strogatz_graph(n, 4, 0.2, seed=5)
    graph.add_node(n)  # an isolated resident
    grid_label = {v: 7 * (v // 30) + 3 for v in graph.nodes()}  # 3, 10, 17, 24, 31
    nx.set_node_attributes(graph, grid_label, "grid")
    nx.write_graphml(graph, tmp_path / "village.graphml")

    model = CoGovernanceModel(small_scenario(file_scenario("village.graphml")), rng=1,
                              scenario_dir=tmp_path)
    assert model.n_residents == n + 1
    assert sorted_edges(model) == sorted((min(u, v), max(u, v)) for u, v in graph.edges())
    assert model.network.degree[n] == 0
    labels = np.array([grid_label[v] for v in range(n + 1)])
    _, renumbered = np.unique(labels, return_inverse=True)
    np.testing.assert_array_equal(model.residents.grid, renumbered)
    assert model.territory.n_grids == 5
    np.testing.assert_array_equal(model.territory.grid_size, [30, 30, 30, 30, 1])
    for _ in range(8):
        model.step()


def test_read_tie_file_orders_numeric_ids_numerically(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("10 2\n2 9\n9 100\n", encoding="utf-8")
    n, edges, grids = read_tie_file(path)
    assert n == 4 and grids is None
    # Sorted numerically: 2 -> 0, 9 -> 1, 10 -> 2, 100 -> 3.
    assert sorted(tuple(sorted(e)) for e in edges.tolist()) == [(0, 1), (0, 2), (1, 3)]


def test_file_network_urban_share_follows_the_file_size(tmp_path: Path) -> None:
    nx.write_edgelist(nx.watts_strogatz_graph(300, 6, 0.1, seed=3), tmp_path / "t.txt",
                      data=False)
    scenario = small_scenario(file_scenario("t.txt", **{"population.residents_per_grid": 50}))
    model = CoGovernanceModel(scenario, rng=1, scenario_dir=tmp_path)
    assert model.n_residents == 300
    assert model.residents.urban.mean() == pytest.approx(
        scenario.population.urban_share, abs=0.1)


def test_file_network_urban_share_when_residents_match(tmp_path: Path) -> None:
    nx.write_edgelist(nx.watts_strogatz_graph(300, 6, 0.1, seed=3), tmp_path / "t.txt",
                      data=False)
    scenario = small_scenario(file_scenario(
        "t.txt", **{"population.residents_per_grid": 50, "population.residents": 300}))
    model = CoGovernanceModel(scenario, rng=1, scenario_dir=tmp_path)
    assert model.residents.urban.mean() == pytest.approx(4 / 6)


def test_malformed_edge_line_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("# ties\n0 1\n1 2\n3\n2 4\n", encoding="utf-8")
    with pytest.raises(NetworkFileError, match=r"bad\.txt:4:.*two node ids.*'3'"):
        read_tie_file(path)
    with pytest.raises(NetworkFileError, match=r":4:"):
        CoGovernanceModel(small_scenario(file_scenario("bad.txt")), rng=1,
                          scenario_dir=tmp_path)


def test_unreadable_network_files_raise_network_file_error(tmp_path: Path) -> None:
    with pytest.raises(NetworkFileError, match="does not exist"):
        read_tie_file(tmp_path / "missing.txt")
    (tmp_path / "one.txt").write_text("5 5\n", encoding="utf-8")
    with pytest.raises(NetworkFileError, match="fewer than two"):
        read_tie_file(tmp_path / "one.txt")
    graph = nx.path_graph(4)
    nx.set_node_attributes(graph, {0: "north", 1: "north", 2: "south", 3: "south"}, "grid")
    nx.write_graphml(graph, tmp_path / "named.graphml")
    with pytest.raises(NetworkFileError, match="'grid' must be an integer"):
        read_tie_file(tmp_path / "named.graphml")
    (tmp_path / "odd.txt").write_bytes(b"0 1\n\xff\xfe 2\n")
    with pytest.raises(NetworkFileError, match="cannot read"):
        read_tie_file(tmp_path / "odd.txt")
    assert issubclass(NetworkFileError, ValueError)


def test_truncated_graphml_raises_network_file_error(tmp_path: Path) -> None:
    (tmp_path / "broken.graphml").write_text("<graphml><graph>", encoding="utf-8")
    with pytest.raises(NetworkFileError, match="cannot read"):
        read_tie_file(tmp_path / "broken.graphml")
