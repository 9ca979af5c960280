"""Fuzzing the network-file reader: whatever a file holds, `read_tie_file` returns a
well-formed network or raises `NetworkFileError`, never another exception, and a file
written from known ties reads back to exactly those ties.

Hypothesis runs a fixed number of examples, derandomised (the same examples on every run)
and without its example database, so the test is deterministic and takes a few seconds.
The expected values come from an independent oracle: the ties as generated, numbered in
sorted order of their ids.
"""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

import networkx as nx
import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st

from simulation import tie_file
from simulation.tie_file import NetworkFileError, Ties, read_tie_file

FUZZ = settings(max_examples=150, derandomize=True, database=None, deadline=None)
CAP = 60  # residents: small, so the cap is hit too


def read(data: bytes, suffix: str) -> Ties | NetworkFileError:
    """Read `data` as a tie file; the error instead of raising it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"ties{suffix}"
        path.write_bytes(data)
        try:
            return read_tie_file(path, shown=path.name, max_residents=CAP)
        except NetworkFileError as exc:
            return exc


def well_formed(result: Ties | NetworkFileError) -> None:
    if isinstance(result, NetworkFileError):
        assert str(result).startswith("ties."), result  # names the file
        return
    assert 2 <= result.n <= CAP
    assert result.edges.dtype == np.int64 and result.edges.shape[1] == 2
    assert ((result.edges >= 0) & (result.edges < result.n)).all()
    if result.grid is not None:
        assert len(result.grid) == result.n
        assert set(result.grid.tolist()) == set(range(int(result.grid.max()) + 1))


# ------------------------------------------------------------------ any bytes at all


@FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".txt", ".csv", ".graphml"]))
def test_any_bytes_give_a_network_or_a_network_file_error(data: bytes, suffix: str) -> None:
    well_formed(read(data, suffix))


TOKENS = ["1", "2", "07", "-3", "+4", "--5", "1.5", "1e3", "²", "a", "王", "n0", "source",
          "target", "#", "# x", ",", ", ", " ", "\t", "\ufeff", "\r", "0x1F", "nan"]


@FUZZ
@given(lines=st.lists(st.lists(st.sampled_from(TOKENS), max_size=5), max_size=12))
def test_edge_list_like_text_gives_a_network_or_a_located_error(lines: list) -> None:
    text = "\n".join(" ".join(parts) for parts in lines)
    result = read(text.encode("utf-8"), ".txt")
    well_formed(result)
    located = re.match(r"ties\.txt:(\d+): ", str(result))
    if located:  # the line it names is one of the file's
        assert 1 <= int(located.group(1)) <= len(lines)


# ------------------------------------------------------------------ known ties read back

ids = st.one_of(st.integers(-40, 40), st.sampled_from(["ann", "bo", "cy", "n1", "王"]))


@FUZZ
@given(edges=st.lists(st.tuples(ids, ids), min_size=1, max_size=40),
       sep=st.sampled_from([" ", "\t", ",", ", ", "  "]),
       header=st.booleans(), bom=st.booleans(), crlf=st.booleans(),
       comments=st.booleans())
def test_an_edge_list_reads_back_to_its_ties(edges: list, sep: str, header: bool, bom: bool,
                                             crlf: bool, comments: bool) -> None:
    lines = [f"{u}{sep}{v}" + ("  # a tie" if comments else "") for u, v in edges]
    numeric = all(isinstance(x, int) for e in edges for x in e)
    if header and numeric:  # a header only above whole-number ids (see tie_file)
        lines.insert(0, f"source{sep}target")
    if comments:
        lines.insert(0, "# ties")
    text = ("\r\n" if crlf else "\n").join(lines)
    result = read((("\ufeff" if bom else "") + text).encode("utf-8"), ".csv")

    first_is_header = (len(edges) > 1 and all(isinstance(x, str) for x in edges[0])
                       and all(isinstance(x, int) for e in edges[1:] for x in e))
    if first_is_header:  # names above numbers: a header (see tie_file)
        edges = edges[1:]
    nodes = sorted({x for e in edges for x in e},
                   key=lambda x: (0, x, "") if isinstance(x, int) else (1, 0, x))
    if len(nodes) < 2:
        assert isinstance(result, NetworkFileError) and "fewer than two" in str(result)
        return
    if len(nodes) > CAP:
        assert isinstance(result, NetworkFileError) and "more than" in str(result)
        return
    assert isinstance(result, Ties), result
    index = {x: i for i, x in enumerate(nodes)}
    assert result.n == len(nodes) and result.grid is None
    want = sorted((index[u], index[v]) for u, v in edges)
    assert sorted(map(tuple, result.edges.tolist())) == want


grid_values = st.one_of(st.integers(-5, 5), st.sampled_from([1.0, 2.0, 2.5, -0.5]),
                        st.sampled_from(["3", "x", "4.0"]))


@FUZZ
@given(n=st.integers(2, 12), data=st.data())
def test_graphml_reads_back_to_its_ties_and_grids(n: int, data: st.DataObject) -> None:
    graph = nx.gnm_random_graph(n, data.draw(st.integers(0, n * 2)), seed=n)
    graph = nx.relabel_nodes(graph, {v: f"n{v}" for v in graph})
    given_grids = data.draw(st.dictionaries(st.sampled_from(list(graph)), grid_values))
    nx.set_node_attributes(graph, given_grids, "grid")
    buffer = io.BytesIO()
    try:
        nx.write_graphml(graph, buffer)
    except nx.NetworkXError:  # mixed attribute types that GraphML cannot declare
        event("grids of mixed types")
        return
    cut = data.draw(st.integers(0, len(buffer.getvalue())))
    truncated = data.draw(st.booleans())
    raw = buffer.getvalue()[:cut] if truncated else buffer.getvalue()
    result = read(raw, ".graphml")
    well_formed(result)
    if truncated and cut < len(buffer.getvalue()):
        return
    nodes = sorted(graph, key=lambda v: (1, 0, v))  # names: text order
    event("no grids" if not given_grids else "some grids" if len(given_grids) < n
          else "every node has a grid")
    if not given_grids:
        assert isinstance(result, Ties) and result.grid is None
    elif len(given_grids) < n:
        assert isinstance(result, NetworkFileError) and "no 'grid' attribute" in str(result)
        return
    else:
        whole = [_whole(given_grids[v]) for v in nodes]
        if None in whole:
            assert isinstance(result, NetworkFileError) and "whole number" in str(result)
            return
        assert isinstance(result, Ties), result
        _, renumbered = np.unique(whole, return_inverse=True)
        np.testing.assert_array_equal(result.grid, renumbered)
    index = {v: i for i, v in enumerate(nodes)}
    assert result.n == n
    want = sorted(tuple(sorted((index[u], index[v]))) for u, v in graph.edges())
    assert sorted(tuple(sorted(e)) for e in result.edges.tolist()) == want


def _whole(value: object) -> int | None:
    """The oracle's reading of a grid value: 3, 3.0 and "3" are grid 3."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return int(value)


# ------------------------------------------------------------------ bulk and line readers

number = st.one_of(st.integers(-50, 50), st.integers(-(2**70), 2**70))
spacing = st.sampled_from([" ", "\t", ",", " , ", "  ", "+", "-", "", "\r"])


pair = st.tuples(st.sampled_from(["", " ", "\t"]), number,
                 st.sampled_from([" ", "\t", ",", " , "]), number,
                 st.sampled_from(["", " ", "\t"])).map(lambda p: [(p[0], p[1]), (p[2], p[3]),
                                                                 (p[4], "")])
odd_row = st.lists(st.tuples(spacing, number), min_size=0, max_size=3)


@FUZZ
@given(rows=st.lists(st.one_of(pair, pair, pair, odd_row), max_size=25),
       header=st.sampled_from(["", "source,target\n", "a b c\n", "n1 5\n", "\n"]),
       crlf=st.booleans())
def test_the_bulk_reader_agrees_with_the_line_reader(rows: list, header: str,
                                                     crlf: bool) -> None:
    """Whole-number edge lists are read in bulk; whatever it accepts, the line-by-line
    reader (which also locates every error) reads the same way."""
    end = "\r\n" if crlf else "\n"
    text = header + end.join("".join(f"{sep}{num}" for sep, num in row) for row in rows)
    limit = 2**40
    bulk = tie_file._parse_numeric(text, "t.txt", CAP, limit)
    try:
        lines = tie_file._parse_lines(text, "t.txt", CAP, limit)
    except NetworkFileError:
        lines = None
    if bulk is None:
        return
    event("read in bulk")
    assert lines is not None, text
    assert bulk.n == lines.n
    assert sorted(map(tuple, bulk.edges.tolist())) == sorted(map(tuple, lines.edges.tolist()))
