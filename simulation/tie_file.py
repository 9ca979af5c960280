"""Reading resident ties from a file: an edge list or GraphML.

A tie file comes from a user, so reading it must neither hang nor exhaust memory nor
misread it silently:

- only regular files with a known suffix are opened (a FIFO or /dev/zero would hang or
  never end), without blocking, and at most `MAX_TIE_FILE_BYTES` are read;
- the residents (nodes) are counted against a cap and the county's memory need is
  estimated as the file is read, so an oversized network is refused before it is built;
- every line that cannot be read as an edge is reported with the file and line.

Edge lists (`.edgelist`, `.txt`, `.csv`) hold two node ids a line, separated by spaces,
tabs or a comma; `#` starts a comment; a UTF-8 byte-order mark is ignored. A node id is a
whole number (`7`, `-3`; `007` is `7`) or a name with a letter in it (`n7`, `王`). A first
line of names only, above ids that are all whole numbers, is a header (`source,target`)
and is skipped. A line with one id, or more than two fields, is an error: ties carry no
weights in the model. GraphML files may give each node a `grid` attribute (a whole
number); then every node must have one.
"""

from __future__ import annotations

import os
import re
import stat
from array import array
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from simulation.scenario import memory
from simulation.scenario.schema import MAX_RESIDENTS

EDGE_LIST_SUFFIXES = (".edgelist", ".txt", ".csv")
GRAPHML_SUFFIXES = (".graphml",)
TIE_FILE_SUFFIXES = EDGE_LIST_SUFFIXES + GRAPHML_SUFFIXES
# 100 MB holds about seven million ties written as "123456 654321": a million residents
# with 14 ties each, more than the resident cap allows at the default ties per resident.
MAX_TIE_FILE_BYTES = 100_000_000
_QUOTE_CHARS = 60  # how much of a bad line a message quotes
_CHECK_EVERY = 65_536  # lines between two checks of the memory estimate while reading
_WHOLE = re.compile(r"[-+]?[0-9]+")


class NetworkFileError(ValueError):
    """A network file that cannot be read; the message says why and where."""


class Ties(NamedTuple):
    """Residents and ties read from a file."""

    n: int  # residents (nodes), numbered in sorted order of their ids
    edges: np.ndarray  # (m, 2) resident indices; repeats and self-ties are left in
    grid: np.ndarray | None  # grid of each resident (0..G-1) from a `grid` attribute


def tie_file_problem(path: Path) -> str | None:
    """Why `path` cannot be a tie file without opening it (suffix, kind, size), or None.

    Only stat() is called: it does not block on a FIFO or read a device.
    """
    if path.suffix.lower() not in TIE_FILE_SUFFIXES:
        return ("a network file's name must end in " + ", ".join(TIE_FILE_SUFFIXES))
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "the file does not exist"
    except OSError as exc:
        return f"the file cannot be read ({exc.strerror or exc})"
    return _kind_problem(info)


def _kind_problem(info: os.stat_result) -> str | None:
    if stat.S_ISDIR(info.st_mode):
        return "this is a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        return "this is not a regular file (a device, a pipe or a socket)"
    if info.st_size > MAX_TIE_FILE_BYTES:
        return (f"the file is too large ({info.st_size:,} bytes; the limit is "
                f"{MAX_TIE_FILE_BYTES:,} bytes)")
    return None


def memory_needed(residents: int, tie_ends: int) -> int:
    """Bytes a county of `residents` with `tie_ends` tie ends (twice the ties) needs, by
    the per-resident and per-tie figures the scenario check uses."""
    return residents * memory.BYTES_PER_RESIDENT + tie_ends * memory.BYTES_PER_TIE


def read_tie_file(path: Path, *, shown: str | None = None, max_residents: int | None = None,
                  memory_limit: int | None = None) -> Ties:
    """Read resident ties from an edge-list or GraphML file.

    Args:
        path: the file.
        shown: how messages name the file (default: `path` as given).
        max_residents: most nodes accepted (default: the scenario type's resident cap).
        memory_limit: most bytes the county may need (default: what a run may take,
            `simulation.scenario.memory.memory_limit_bytes`).

    Raises:
        NetworkFileError: with the file (and line, for an edge list) and what is wrong.
    """
    name = shown or str(path)
    cap = MAX_RESIDENTS if max_residents is None else max_residents
    limit = memory.memory_limit_bytes() if memory_limit is None else memory_limit
    if path.suffix.lower() not in TIE_FILE_SUFFIXES:
        raise NetworkFileError(f"{name}: {tie_file_problem(path)}")
    raw = _read_bounded(path, name)
    if path.suffix.lower() in GRAPHML_SUFFIXES:
        ties = _parse_graphml(raw, name, cap)
    else:
        ties = _parse_edge_list(raw, name, cap, limit)
    if ties.n < 2:
        raise NetworkFileError(f"{name}: the network has fewer than two residents")
    need = memory_needed(ties.n, 2 * len(ties.edges))
    if need > limit:
        raise NetworkFileError(_too_much_memory(name, ties.n, len(ties.edges), limit))
    return ties


def _read_bounded(path: Path, name: str) -> bytes:
    """The file's bytes; refuses anything but a regular file before reading from it."""
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise NetworkFileError(f"{name}: the file does not exist") from None
    except OSError as exc:
        raise NetworkFileError(f"{name}: the file cannot be read "
                               f"({exc.strerror or exc})") from None
    try:
        problem = _kind_problem(os.fstat(fd))
        if problem:
            raise NetworkFileError(f"{name}: {problem}")
        chunks, size = [], 0
        while size <= MAX_TIE_FILE_BYTES:  # bounded even if the file grows while read
            chunk = os.read(fd, min(1 << 20, MAX_TIE_FILE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_TIE_FILE_BYTES:
            raise NetworkFileError(f"{name}: the file is too large (more than "
                                   f"{MAX_TIE_FILE_BYTES:,} bytes)")
        return b"".join(chunks)
    except OSError as exc:
        raise NetworkFileError(f"{name}: the file cannot be read "
                               f"({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def _too_many(name: str, cap: int) -> str:
    return f"{name}: the network has more than {cap:,} residents (nodes), the most allowed"


def _too_much_memory(name: str, n: int, ties: int, limit: int) -> str:
    need = memory_needed(n, 2 * ties)
    return (f"{name}: {n:,} residents and {ties:,} ties need about {need / 2**30:.1f} GiB, "
            f"more than the {limit / 2**30:.1f} GiB this machine can give a run")


def _quote(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= _QUOTE_CHARS else text[: _QUOTE_CHARS - 3] + "...")


# ------------------------------------------------------------------ edge lists


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")  # drops a byte-order mark
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise NetworkFileError(f"{name}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x})"
                               ) from None


def _node_key(token: str) -> int | str | None:
    """A node id as a whole number or a name; None if it is neither (`--5`, `1.5`)."""
    if _WHOLE.fullmatch(token):
        return int(token)
    return token if any(ch.isalpha() for ch in token) else None


_NUMERIC_CHARS = frozenset("0123456789+-, \t\r\n")
_CHUNK_CHARS = 4_000_000  # text read in bulk at a time, to bound the arrays it needs


def _parse_edge_list(raw: bytes, name: str, cap: int, limit: int) -> Ties:
    text = _decode(raw, name)
    return _parse_numeric(text, name, cap, limit) or _parse_lines(text, name, cap, limit)


def _parse_numeric(text: str, name: str, cap: int, limit: int) -> Ties | None:
    """An edge list of whole numbers only, two a line (after an optional header line),
    read in bulk with numpy; None for anything else, which `_parse_lines` reads line by
    line and locates what is wrong. Both give the same result (tests/test_tie_file_fuzz.py
    checks)."""
    first, newline, rest = text.partition("\n")
    fields = first.replace(",", " ").split()
    header = bool(fields) and all(isinstance(_node_key(f), str) for f in fields)
    body = rest if header and newline else text
    if not _NUMERIC_CHARS.issuperset(body):
        return None
    parts: list[np.ndarray] = []
    start = read = 0
    while start < len(body):
        end = body.find("\n", start + _CHUNK_CHARS)
        end = len(body) if end < 0 else end + 1
        ids = _numeric_chunk(body[start:end])
        if ids is None:
            return None
        parts.append(ids)
        read += len(ids)
        if memory_needed(0, read) > limit:  # the ties alone are too many already
            raise NetworkFileError(
                f"{name}: {read // 2:,} ties and more need more than the "
                f"{limit / 2**30:.1f} GiB this machine can give a run")
        start = end
    ids = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
    if len(ids) == 0:
        return None
    nodes, edges = np.unique(ids, return_inverse=True)
    if len(nodes) > cap:
        raise NetworkFileError(_too_many(name, cap))
    return Ties(len(nodes), edges.reshape(-1, 2).astype(np.int64), None)


def _numeric_chunk(text: str) -> np.ndarray | None:
    """The ids of whole lines of whole numbers, if every non-blank line holds exactly two
    (a sign only in front of digits, at most 18 digits, so they fit 64 bits); else None."""
    b = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    newline = b == ord("\n")
    blank = newline | (b == ord(" ")) | (b == ord("\t")) | (b == ord(",")) | (b == ord("\r"))
    sign = (b == ord("+")) | (b == ord("-"))
    token = ~blank
    first = token & ~np.concatenate(([False], token[:-1]))  # a token's first character
    digit_next = np.concatenate((token[1:] & ~sign[1:], [False]))
    if (sign & ~(first & digit_next)).any():
        return None
    line = np.cumsum(newline, dtype=np.int32)
    per_line = np.bincount(line[first], minlength=int(line[-1]) + 1 if len(line) else 1)
    if ((per_line != 0) & (per_line != 2)).any():
        return None
    starts = np.flatnonzero(first)
    ends = np.flatnonzero(token & ~np.concatenate((token[1:], [False])))
    if (ends - starts >= 18 + sign[starts]).any():  # 19 digits or more: Python's ints
        return None
    ids = np.fromstring(text.replace(",", " "), dtype=np.int64, sep=" ")
    return ids if len(ids) == len(starts) else None


def _parse_lines(text: str, name: str, cap: int, limit: int) -> Ties:
    index: dict[int | str, int] = {}  # node id -> order of first appearance
    ends = array("q")  # both ends of every edge, flattened
    header: tuple[int, list[str], str] | None = None  # a first line of text, held back
    seen_data = False
    text_ids = False  # an id that is not a whole number, outside the first line

    def node(key: int | str | None) -> int:
        assert key is not None  # every key was checked to be a number or a name
        i = index.get(key)
        if i is None:
            i = index[key] = len(index)
            if i >= cap:
                raise NetworkFileError(_too_many(name, cap))
        return i

    for lineno, line in enumerate(text.split("\n"), 1):
        fields = line.split("#", 1)[0].replace(",", " ").split()
        if not fields:
            continue
        keys = [_node_key(f) for f in fields]
        if not seen_data:
            seen_data = True
            if all(isinstance(k, str) for k in keys):
                header = (lineno, fields, line)  # decided once the rest is read
                continue
        if len(fields) != 2:
            raise NetworkFileError(_field_count(name, lineno, fields, line))
        if None in keys:
            bad = fields[keys.index(None)]
            raise NetworkFileError(
                f"{name}:{lineno}: node id {_quote(bad)} is neither a whole number nor a "
                "name (a name has a letter in it)")
        text_ids = text_ids or any(isinstance(k, str) for k in keys)
        ends.append(node(keys[0]))
        ends.append(node(keys[1]))
        if len(ends) % (2 * _CHECK_EVERY) == 0 and memory_needed(len(index), len(ends)) > limit:
            raise NetworkFileError(_too_much_memory(name, len(index), len(ends) // 2, limit))
    if header is not None and (text_ids or not ends):
        # Text ids throughout: the first line is an edge like the others.
        lineno, fields, line = header
        if len(fields) != 2:
            raise NetworkFileError(_field_count(name, lineno, fields, line))
        ends.append(node(_node_key(fields[0])))
        ends.append(node(_node_key(fields[1])))
    order = sorted(index, key=lambda k: (0, k, "") if isinstance(k, int) else (1, 0, k))
    rank = np.empty(len(index), dtype=np.int64)
    rank[[index[k] for k in order]] = np.arange(len(index))
    edges = rank[np.frombuffer(ends, dtype=np.int64)].reshape(-1, 2) if len(ends) \
        else np.empty((0, 2), dtype=np.int64)
    return Ties(len(index), edges, None)


def _field_count(name: str, lineno: int, fields: list[str], line: str) -> str:
    if len(fields) < 2:
        what = "only one node id"
    else:
        what = f"{len(fields)} fields (ties carry no weights or other columns)"
    return f"{name}:{lineno}: an edge is two node ids, but this line has {what}: {_quote(line)}"


# ------------------------------------------------------------------ GraphML


def _parse_graphml(raw: bytes, name: str, cap: int) -> Ties:
    from xml.etree.ElementTree import ParseError

    import networkx as nx

    try:
        graph = nx.parse_graphml(raw)
    except (nx.NetworkXError, ParseError, ValueError, KeyError, TypeError, IndexError,
            AttributeError) as exc:
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise NetworkFileError(f"{name}: not a GraphML file that can be read ({detail})"
                               ) from None
    if graph.number_of_nodes() > cap:
        raise NetworkFileError(_too_many(name, cap))

    def sort_key(node: object) -> tuple[int, int, str]:
        text = str(node)
        return (0, int(text), "") if _WHOLE.fullmatch(text) else (1, 0, text)

    nodes = sorted(graph.nodes(), key=sort_key)
    index = {node: i for i, node in enumerate(nodes)}
    edges = np.array([(index[u], index[v]) for u, v in graph.edges()],
                     dtype=np.int64).reshape(-1, 2)
    return Ties(len(nodes), edges, _grids(graph, nodes, name))


def _grids(graph: Any, nodes: list, name: str) -> np.ndarray | None:
    """Each node's grid (renumbered 0..G-1) from its `grid` attribute, or None if no node
    has one."""
    having = [v for v in nodes if "grid" in graph.nodes[v]]
    if not having:
        return None
    if len(having) < len(nodes):
        missing = next(v for v in nodes if "grid" not in graph.nodes[v])
        raise NetworkFileError(
            f"{name}: node {_quote(str(missing))} has no 'grid' attribute, but "
            f"{len(having):,} of the {len(nodes):,} nodes have one; give every node a grid "
            "or none")
    raw = []
    for v in nodes:
        value = _whole_number(graph.nodes[v]["grid"])
        if value is None:
            raise NetworkFileError(
                f"{name}: node {_quote(str(v))}: attribute 'grid' must be a whole number, "
                f"got {_quote(str(graph.nodes[v]['grid']))}")
        raw.append(value)
    _, grids = np.unique(np.array(raw, dtype=np.int64), return_inverse=True)
    return grids


def _whole_number(value: object) -> int | None:
    """`value` as a whole number (3, 3.0, "3"), or None (2.7, "north", true)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value.strip())
    return None
