"""The resident tie layer: generated small worlds inside grids, or ties read from a file."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from conftest import small_scenario, sorted_edges

from simulation.model import CoGovernanceModel
from simulation.network import (
    FlaggedTieShare,
    NetworkFileError,
    read_tie_file,
    ties_from_edges,
)
from simulation.tie_file import tie_file_problem


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


def test_without_rewiring_each_grid_is_a_ring_lattice() -> None:
    """Watts-Strogatz before rewiring: each resident tied to the k/2 next and the k/2
    previous residents of its grid, around a ring (k = 6 urban, 10 rural here)."""
    model = build({"network.cross_grid_share": 0.0, "network.rewiring": 0.0})
    terr, adj = model.territory, model.network.adjacency
    for g in range(terr.n_grids):
        ids = np.flatnonzero(terr.grid_of == g)
        s, half = len(ids), (3 if terr.urban_grid[g] else 5)
        for local in (0, 1, s // 2, s - 1):
            row = ids[local]
            ring = sorted(ids[(local + j) % s] for j in (*range(1, half + 1),
                                                         *range(-half, 0)))
            assert adj.indices[adj.indptr[row]:adj.indptr[row + 1]].tolist() == ring


@pytest.mark.parametrize(("per_grid", "ties"), [(250, 10.0), (12, 10.0), (11, 10.0), (10, 2.0)])
def test_rewiring_moves_ties_inside_grids_and_keeps_their_number(per_grid: int,
                                                                 ties: float) -> None:
    """With every tie rewired, grids keep exactly s·k/2 ties, none repeated or to self
    (12 residents with 10 ties each: one free partner each; 11 with 10: complete, kept).
    Grids of equal size and an even number of ties below it: no remainder pairs."""
    model = build({"network.cross_grid_share": 0.0, "network.rewiring": 1.0,
                   "network.ties_urban": ties, "network.ties_rural": ties,
                   "population.residents_per_grid": per_grid,
                   "population.residents": 60 * per_grid})
    terr, net = model.territory, model.network
    _, across = cross_grid_edges(model)
    assert not across.any()
    k = np.minimum(ties, terr.grid_size - 1) // 2 * 2
    assert net.degree.sum() == (terr.grid_size * k).sum()  # each tie counted at both ends
    complete = k == terr.grid_size - 1
    for g in np.flatnonzero(complete):
        assert (net.degree[terr.grid_of == g] == k[g]).all()
    assert not any(u == v for u, v in net.social.edges())


def test_the_share_of_flagged_ties_is_the_neighbour_mean_bit_for_bit() -> None:
    """`FlaggedTieShare` follows flips of a flag; it must equal the sparse product exactly,
    isolated residents (their own flag) included."""
    rng = np.random.default_rng(5)
    n = 400
    net = ties_from_edges(n, rng.integers(0, 300, size=(700, 2)))  # rows 300+ have no ties
    assert len(net.isolated) > 100
    flags = rng.random(n) < 0.2
    share = FlaggedTieShare(net, flags)
    np.testing.assert_array_equal(share.share, net.neighbour_mean(flags.astype(float)))
    for week in range(15):
        flags = flags ^ (rng.random(n) < (0.5 if week == 7 else 0.03))
        got = share.update(flags)
        assert np.array_equal(got, net.neighbour_mean(flags.astype(float)))
    assert share.update(flags) is got  # nothing changed: nothing recomputed
    with pytest.raises(ValueError, match="399 flags for 400 residents"):
        share.update(flags[:-1])
    degree = np.diff(net.adjacency.indptr)
    ties = (net.adjacency != 0).astype(np.int64)
    np.testing.assert_array_equal(share.count, ties @ flags.astype(np.int64))
    assert (share.count <= degree).all()


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
    with pytest.raises(NetworkFileError,
                       match="node '0': attribute 'grid' must be a whole number, got 'north'"):
        read_tie_file(tmp_path / "named.graphml")
    (tmp_path / "odd.txt").write_bytes(b"0 1\n\xff\xfe 2\n")
    with pytest.raises(NetworkFileError, match=r"odd\.txt:2: not UTF-8 text \(byte 0xff\)"):
        read_tie_file(tmp_path / "odd.txt")
    assert issubclass(NetworkFileError, ValueError)


def test_truncated_graphml_raises_network_file_error(tmp_path: Path) -> None:
    (tmp_path / "broken.graphml").write_text("<graphml><graph>", encoding="utf-8")
    with pytest.raises(NetworkFileError, match="not a GraphML file that can be read"):
        read_tie_file(tmp_path / "broken.graphml")


# --- tie files users hand in: refused before they hang, bounded, never misread ---------


def ties(tmp_path: Path, text: str | bytes, name: str = "t.txt", **kw):
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return read_tie_file(path, **kw)


def pairs(result) -> list[tuple[int, int]]:
    return sorted((int(u), int(v)) for u, v in result.edges.tolist())


def in_thread(fn, timeout: float = 20.0):
    """fn() in a thread; the test fails (rather than hanging the suite) if it blocks."""
    out: dict = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except Exception as exc:
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "reading the file blocked"
    return out


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert tie_file_problem(fifo) == "this is not a regular file (a device, a pipe or a socket)"
    out = in_thread(lambda: read_tie_file(fifo))
    assert isinstance(out.get("error"), NetworkFileError)
    assert "pipe.txt: this is not a regular file" in str(out["error"])


def test_devices_are_refused_before_they_are_read(tmp_path: Path) -> None:
    with pytest.raises(NetworkFileError, match=r"name must end in \.edgelist, \.txt, \.csv"):
        read_tie_file(Path("/dev/zero"))
    (tmp_path / "zero.txt").symlink_to("/dev/zero")  # a known suffix on an endless device
    out = in_thread(lambda: read_tie_file(tmp_path / "zero.txt"))
    assert "zero.txt: this is not a regular file" in str(out["error"])
    (tmp_path / "folder.txt").mkdir()
    with pytest.raises(NetworkFileError, match=r"folder\.txt: this is a folder"):
        read_tie_file(tmp_path / "folder.txt")


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("simulation.tie_file.MAX_TIE_FILE_BYTES", 100)
    ok = "1 2\n" * 25
    assert len(ok) == 100 and ties(tmp_path, ok).n == 2
    with pytest.raises(NetworkFileError, match=r"too large \(104 bytes; the limit is 100"):
        ties(tmp_path, ok + "7 8\n")


def test_residents_are_counted_against_the_cap_as_the_file_is_read(tmp_path: Path) -> None:
    text = "1 2\n2 3\n3 4\n"
    assert ties(tmp_path, text, max_residents=4).n == 4
    with pytest.raises(NetworkFileError, match="more than 3 residents"):
        ties(tmp_path, text, max_residents=3)
    graph = nx.path_graph(5)
    nx.write_graphml(graph, tmp_path / "g.graphml")
    with pytest.raises(NetworkFileError, match="more than 4 residents"):
        read_tie_file(tmp_path / "g.graphml", max_residents=4)
    # The model passes its cap on (the browser view's is lower than the scenario type's).
    (tmp_path / "t.txt").write_text(text, encoding="utf-8")
    with pytest.raises(NetworkFileError, match="more than 3 residents"):
        CoGovernanceModel(small_scenario(file_scenario("t.txt")), rng=1,
                          scenario_dir=tmp_path, max_residents=3)


def test_the_memory_estimate_counts_residents_and_tie_ends(tmp_path: Path) -> None:
    # 4 residents, 3 ties (6 ends): 4 × 2,500 + 6 × 600 = 13,600 bytes.
    text = "1 2\n2 3\n3 4\n"
    assert ties(tmp_path, text, memory_limit=13_600).n == 4
    with pytest.raises(NetworkFileError, match="4 residents and 3 ties need about"):
        ties(tmp_path, text, memory_limit=13_599)


def test_a_csv_header_is_not_two_residents(tmp_path: Path) -> None:
    got = ties(tmp_path, "source,target\n10,20\n20,30\n", name="t.csv")
    assert got.n == 3 and pairs(got) == [(0, 1), (1, 2)]
    # Names throughout: the first line is a tie like the others.
    got = ties(tmp_path, "ann,bo\nbo,cy\n", name="t.csv")
    assert got.n == 3 and pairs(got) == [(0, 1), (1, 2)]


def test_a_byte_order_mark_is_not_part_of_the_first_id(tmp_path: Path) -> None:
    got = ties(tmp_path, "\ufeff1 2\r\n2 3\r\n")
    assert got.n == 3 and pairs(got) == [(0, 1), (1, 2)]


def test_whole_number_ids_are_numbers(tmp_path: Path) -> None:
    got = ties(tmp_path, "007 7\n7 +8\n-1 8\n")
    assert got.n == 3  # 007 = 7, +8 = 8; sorted: -1, 7, 8
    assert pairs(got) == [(0, 2), (1, 1), (1, 2)]


@pytest.mark.parametrize(("text", "message"), [
    ("1 2\n2 3 0.5\n", r"t\.txt:2: an edge is two node ids, but this line has 3 fields"),
    ("1 2\n--5 3\n", r"t\.txt:2: node id '--5' is neither a whole number nor a name"),
    ("1 2\n1.5 3\n", r"t\.txt:2: node id '1.5' is neither"),
    ("# only\n\n7\n", r"t\.txt:3: an edge is two node ids, but this line has only one"),
    ("1 2\n\xff 3\n", r"t\.txt:2: not UTF-8 text \(byte 0xff\)"),
])
def test_lines_that_are_not_edges_are_located(tmp_path: Path, text: str, message: str) -> None:
    data = text.encode("latin-1") if "\xff" in text else text.encode()
    with pytest.raises(NetworkFileError, match=message):
        ties(tmp_path, data, shown="t.txt")


def graphml_with_grids(tmp_path: Path, grids: dict) -> Path:
    graph = nx.path_graph(4)
    nx.set_node_attributes(graph, grids, "grid")
    nx.write_graphml(graph, tmp_path / "g.graphml")
    return tmp_path / "g.graphml"


def test_a_float_grid_must_be_a_whole_number(tmp_path: Path) -> None:
    whole = graphml_with_grids(tmp_path, {0: 5.0, 1: 5.0, 2: 2.0, 3: 9.0})
    np.testing.assert_array_equal(read_tie_file(whole).grid, [1, 1, 0, 2])
    half = graphml_with_grids(tmp_path, {0: 1.0, 1: 1.0, 2: 2.7, 3: 3.0})
    with pytest.raises(NetworkFileError, match=r"node '2': attribute 'grid' must be a whole "
                       r"number, got '2\.7'"):
        read_tie_file(half)


def test_a_grid_on_only_some_nodes_is_refused(tmp_path: Path) -> None:
    some = graphml_with_grids(tmp_path, {0: 1, 1: 1, 3: 2})
    with pytest.raises(NetworkFileError, match="node '2' has no 'grid' attribute, but 3 of "
                       "the 4 nodes have one"):
        read_tie_file(some)
