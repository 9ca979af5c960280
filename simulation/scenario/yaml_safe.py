"""A hardened reader for hand-written scenario YAML.

Scenario files come from students, so the reader must (a) never run code or build
arbitrary objects, (b) survive hostile or accidental input such as huge files, alias bombs
and deep nesting, and (c) turn every failure into a ``ScenarioError`` that names the file,
the line and the field, instead of a PyYAML traceback.

The approach: PyYAML only *composes* a node tree (``yaml.compose`` with ``SafeLoader``,
which never constructs anything), and this module converts that tree to plain Python
itself.  That gives us a place to reject tags, duplicate and merge keys and non-text keys,
to count values as aliases are expanded, and to record the line of every field path.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from .errors import Problem, ScenarioError
from .hints import first_fullwidth_offset, fullwidth_lines, fullwidth_message
from .hints import to_ascii as hints_to_ascii

MAX_DEPTH = 64

_TAG = "tag:yaml.org,2002:"
# Scalar tags we turn into values with PyYAML's own safe constructors, so `yes`, `0x1F`
# and `1e3` mean exactly what they mean to yaml.safe_load.
_SCALAR_CONSTRUCTORS: dict[str, Callable[[SafeConstructor, ScalarNode], Any]] = {
    _TAG + "str": SafeConstructor.construct_yaml_str,
    _TAG + "int": SafeConstructor.construct_yaml_int,
    _TAG + "float": SafeConstructor.construct_yaml_float,
    _TAG + "bool": SafeConstructor.construct_yaml_bool,
    _TAG + "null": SafeConstructor.construct_yaml_null,
}
# Tags the resolver gives to some plain scalars that we keep as the text written:
# a date stays "2024-05-01" rather than a datetime; a lone "=" or "<<" used as a value
# (not a key) has no safe constructor in PyYAML at all.
_TEXT_TAGS = {_TAG + "timestamp", _TAG + "value", _TAG + "merge"}
_SEQ_TAG = _TAG + "seq"
_MAP_TAG = _TAG + "map"
_MERGE_TAG = _TAG + "merge"

_EMPTY_MESSAGE = (
    "the file is empty; a scenario is a mapping of keys to values, e.g. `description: ...`"
)
_PLAIN_VALUES = "plain YAML values: text, numbers, true/false, null, lists and mappings"


class PartialYaml(ScenarioError):
    """Problems that leave the rest of the file readable (a tag, a duplicate or full-width
    key, a bad number): `data` holds the rest, with the values that had problems left
    out, and `lines` their lines, so a caller can go on to report every other problem."""

    def __init__(self, problems: list[Problem], data: dict, lines: dict[str, int]):
        super().__init__(problems)
        self.data = data
        self.lines = lines

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[list[Problem]]]:
        return ScenarioError, (self.problems,)


_LEFT_OUT = object()  # a value with a problem: left out of the data


def _fail(source: str, message: str, **kw: Any) -> ScenarioError:
    """A ScenarioError holding a single problem in ``source``."""
    return ScenarioError([Problem(message, file=source, **kw)])


def read_yaml_mapping(
    path: str | Path, *, max_bytes: int = 1_000_000, max_nodes: int = 100_000
) -> tuple[dict, dict[str, int]]:
    """Read a YAML file whose top level is a mapping.

    Returns ``(data, lines)``: plain Python data and the 1-based line of every field path
    ("" for the root, "a.b" for mapping keys, "a[0]" for list items).  The size is checked
    with stat() before reading, so a huge file is refused without loading it.
    Raises ScenarioError for every problem, never a yaml or OS exception."""
    source = str(path)
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            raise _too_big(source, size, max_bytes)
        with open(path, "rb") as f:
            raw = f.read(max_bytes + 1)  # bounded even if the file grew or stat lied
    except FileNotFoundError:
        raise _fail(source, "the file does not exist") from None
    except IsADirectoryError:
        raise _fail(source, "this is a folder, not a file") from None
    except OSError as e:
        raise _fail(source, f"the file cannot be read ({e.strerror or e})") from None
    return parse_yaml_mapping(raw, source, max_bytes=max_bytes, max_nodes=max_nodes)


def parse_yaml_mapping(
    text: str | bytes, source: str, *, max_bytes: int = 1_000_000, max_nodes: int = 100_000
) -> tuple[dict, dict[str, int]]:
    """Same as read_yaml_mapping, for YAML already in memory; ``source`` names it in
    messages.  Bytes must be UTF-8 (a BOM is allowed)."""
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise _too_big(source, size, max_bytes)
    if isinstance(text, bytes):
        text = _decode(text, source)
    text = text.removeprefix("\ufeff")

    loader = None
    try:
        loader = yaml.SafeLoader(text)  # checks for unprintable characters up front
        root = _compose_one_document(loader, source)
        if root is None or (root.tag == _TAG + "null" and root.value == ""):
            raise _fail(source, _EMPTY_MESSAGE, line=1)
        converter = _Converter(loader, source, max_nodes, text)
        data = converter.convert(root, "", 0)
        if data is _LEFT_OUT:
            data = None
        if converter.problems:
            if isinstance(data, dict):
                raise PartialYaml(converter.problems, data, converter.lines)
            raise ScenarioError(converter.problems)
    except ReaderError as e:
        raise _reader_problem(e, text, source) from None
    except yaml.MarkedYAMLError as e:
        problem = _syntax_problem(e, source, text)
        raise _read_on_in_ascii(problem, text, source, max_bytes, max_nodes) from None
    except yaml.YAMLError as e:  # unmarked; not expected from PyYAML 6, but never escape
        raise _fail(source, f"YAML error: {e}") from None
    except RecursionError:  # PyYAML's composer recurses once per nesting level
        raise _fail(source, f"values are nested more than {MAX_DEPTH} levels deep") from None
    finally:
        if loader is not None:
            loader.dispose()

    if not isinstance(data, dict):
        hints = _fullwidth_problems(text, source)
        if hints:  # `extends：fengqiao` reads as one piece of text: name the colon
            raise ScenarioError(hints)
        raise _fail(
            source,
            "the top level of the file must be a mapping of keys to values "
            f"(e.g. `description: ...`), but it is {_describe(data)}",
            line=converter.lines[""],
            value=None if isinstance(data, list) else data,
        )
    return data, converter.lines


def _compose_one_document(loader: yaml.SafeLoader, source: str) -> Node | None:
    """The root node of the only document, or None for an empty stream.

    This is ``yaml.compose`` unrolled so that a second document is reported on its own
    terms (and before it is parsed) rather than as a generic composer error."""
    if not loader.check_node():
        return None
    root = loader.get_node()
    if loader.check_node():
        mark = loader.peek_event().start_mark
        raise _fail(
            source,
            "the file holds more than one YAML document (a second `---`); "
            "a scenario is a single mapping",
            line=mark.line + 1,
        )
    return root


class _Converter:
    """Turns a composed node tree into plain Python, recording the line of each path.

    Problems that leave the rest of the tree meaningful (tags, keys, numbers) are collected
    in ``problems``; runaway expansion and nesting stop the walk at once."""

    def __init__(self, loader: yaml.SafeLoader, source: str, max_nodes: int, text: str = ""):
        self.loader = loader
        self.source = source
        self.text = text
        self.max_nodes = max_nodes
        self.visited = 0
        self.lines: dict[str, int] = {}
        self.problems: list[Problem] = []

    def problem(self, message: str, node: Node, path: str, **kw: Any) -> Problem:
        return Problem(message, file=self.source, line=node.start_mark.line + 1, path=path, **kw)

    def convert(self, node: Node, path: str, depth: int) -> Any:
        # An alias is the very same node object as its anchor, so counting visits counts
        # the expanded document: a "billion laughs" file stops after max_nodes visits.
        self.visited += 1
        if self.visited > self.max_nodes:
            message = f"the file expands to more than {self.max_nodes:,} values (YAML aliases?)"
            raise ScenarioError([self.problem(message, node, path)])
        if depth > MAX_DEPTH:  # also catches a recursive alias such as `&a [*a]`
            message = f"values are nested more than {MAX_DEPTH} levels deep"
            raise ScenarioError([self.problem(message, node, path)])
        self.lines.setdefault(path, node.start_mark.line + 1)

        if isinstance(node, MappingNode) and node.tag == _MAP_TAG:
            return self.convert_mapping(node, path, depth)
        if isinstance(node, SequenceNode) and node.tag == _SEQ_TAG:
            items = [
                self.convert(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(node.value)
            ]
            return [None if item is _LEFT_OUT else item for item in items]
        if isinstance(node, ScalarNode) and node.tag in _TEXT_TAGS:
            return node.value
        if isinstance(node, ScalarNode) and node.tag in _SCALAR_CONSTRUCTORS:
            return self.convert_scalar(node, path)
        # Anything else is an explicit tag (!!python/..., !!binary, !!set, !custom, ...).
        # Nothing is ever constructed from it.
        tag = "!!" + node.tag.removeprefix(_TAG) if node.tag.startswith(_TAG) else node.tag
        self.problems.append(
            self.problem("YAML tags are not allowed", node, path, value=tag, allowed=_PLAIN_VALUES)
        )
        return _LEFT_OUT

    def convert_scalar(self, node: ScalarNode, path: str) -> Any:
        kind = node.tag.removeprefix(_TAG)
        try:
            value = _SCALAR_CONSTRUCTORS[node.tag](self.loader, node)
        except (ValueError, KeyError):  # e.g. `!!int abc`, `!!bool maybe`, a 5000-digit int
            self.problems.append(
                self.problem(f"this is not a valid {kind}", node, path, value=node.value)
            )
            return _LEFT_OUT
        if isinstance(value, float) and not math.isfinite(value):
            self.problems.append(
                self.problem(
                    "not a finite number",
                    node,
                    path,
                    value=node.value,
                    allowed="an ordinary number such as 0.5 or 1000 (not .nan or .inf)",
                )
            )
            return _LEFT_OUT
        return value

    def convert_mapping(self, node: MappingNode, path: str, depth: int) -> dict:
        result: dict[str, Any] = {}
        key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            key = self.convert_key(key_node, path, depth)
            if key is None:
                continue
            child = f"{path}.{key}" if path else key
            if key in key_lines:
                self.problems.append(
                    self.problem(
                        f"duplicate key {key!r} "
                        f"(first at line {key_lines[key]}, again at line {line})",
                        key_node,
                        child,
                    )
                )
                continue
            key_lines[key] = line
            # A field's line is where its key is written; record it before the value
            # so an aliased value (whose node lives at the anchor) cannot override it.
            self.lines[child] = line
            value = self.convert(value_node, child, depth + 1)
            if value is _LEFT_OUT:
                continue
            if isinstance(value, str):
                self.move_to_fullwidth(value_node, child)
            result[key] = value
        return result

    def move_to_fullwidth(self, node: Node, path: str) -> None:
        """A text value with a full-width character is reported at that character's line
        (`ladder:` with `grid_workers_per_1000：2.5` on the next line: the next line)."""
        start, end = node.start_mark.index, node.end_mark.index
        offset = first_fullwidth_offset(self.text[start:end])
        if offset is not None:
            self.lines[path] = self.text.count("\n", 0, start + offset) + 1

    def convert_key(self, key_node: Node, path: str, depth: int) -> str | None:
        """The key as text, or None (with a problem recorded) if it is not usable."""
        if isinstance(key_node, ScalarNode) and key_node.tag == _MERGE_TAG:
            self.problems.append(
                self.problem(
                    "merge keys ('<<') are not supported; write the keys out in full",
                    key_node,
                    path,
                )
            )
            return None
        before = len(self.problems)
        key = self.convert(key_node, path, depth + 1)  # counts the key, reports bad tags
        if isinstance(key, str) and (hint := fullwidth_message(key)):
            # e.g. a full-width space in the indent: `\u3000 grid_workers_per_1000: 2.5`
            self.problems.append(self.problem(hint, key_node, path, value=key))
            return None
        if isinstance(key, str):  # text, or a date-like key kept as written
            return key
        if len(self.problems) == before:
            self.problems.append(
                self.problem(
                    f"keys must be text, but this key is {_describe(key)}",
                    key_node,
                    path,
                    value=None if isinstance(key, list | dict) else key,
                    allowed="text; put the key in quotes if it looks like a number, "
                    "true/false or null",
                )
            )
        return None


def _decode(raw: bytes, source: str) -> str:
    """Strict UTF-8, reporting the first bad byte by line and offset."""
    try:
        return raw.decode("utf-8")  # a BOM decodes to U+FEFF, removed by the caller
    except UnicodeDecodeError as e:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            message = "the file is UTF-16 text; save it as UTF-8"
        else:
            bad = f"byte 0x{raw[e.start]:02x} at offset {e.start}"
            message = f"the file is not valid UTF-8 text ({bad})"
        line = raw.count(b"\n", 0, e.start) + 1
        raise _fail(source, message, line=line) from None


def _too_big(source: str, size: int, max_bytes: int) -> ScenarioError:
    return _fail(
        source,
        f"the file is too large ({size:,} bytes; the limit is {max_bytes:,} bytes)",
        allowed=f"at most {max_bytes:,} bytes",
    )


def _reader_problem(e: ReaderError, text: str, source: str) -> ScenarioError:
    """PyYAML rejects control characters before parsing; locate the first one."""
    line = text.count("\n", 0, e.position) + 1
    char = e.character if isinstance(e.character, int) else ord(e.character)
    message = f"the file contains a character YAML does not allow (U+{char:04X})"
    return _fail(source, message, line=line)


def _fullwidth_problems(text: str, source: str, upto: int | None = None) -> list[Problem]:
    """A problem for each line (up to line `upto`) with a full-width character where YAML
    structure goes: the usual cause of a syntax error in a file typed in Chinese."""
    return [Problem(message, file=source, line=line) for line, message in fullwidth_lines(text)
            if upto is None or line <= upto]


def _read_on_in_ascii(problem: ScenarioError, text: str, source: str, max_bytes: int,
                      max_nodes: int) -> ScenarioError:
    """After a syntax error caused by full-width characters, name those on every line and
    read the file on with them replaced by ASCII, so its other problems are reported in
    the same run (a student should not fix one line per run).

    Returns `problem` unchanged when full-width characters do not explain it."""
    lines = dict(fullwidth_lines(text))
    if not lines:
        return problem
    named = [Problem(msg, file=source, line=line) for line, msg in lines.items()]
    # A full-width colon is usually typed without the space YAML needs after ':'.
    def ascii_line(raw: str) -> str:
        return hints_to_ascii(re.sub("\uff1a(?=\\S)", ": ", raw))

    fixed = "\n".join(ascii_line(raw) if number in lines else raw
                      for number, raw in enumerate(text.split("\n"), start=1))
    try:
        data, found = parse_yaml_mapping(fixed, source, max_bytes=max_bytes,
                                         max_nodes=max_nodes)
    except PartialYaml as more:
        return PartialYaml(named + more.problems, more.data, more.lines)
    except ScenarioError as more:  # still broken for another reason: report both
        others = [p for p in more.problems if p.line not in lines]
        return ScenarioError(named + others)
    return PartialYaml(named, data, found)


def _syntax_problem(e: yaml.MarkedYAMLError, source: str, text: str = "") -> ScenarioError:
    """Report PyYAML's own wording of a syntax error, at its line; or, when a full-width
    character at or before that line explains it (`levers：`), name the character."""
    mark = e.problem_mark or e.context_mark
    hints = _fullwidth_problems(text, source, None if mark is None else mark.line + 1)
    if hints:
        return ScenarioError(hints)
    message = f"YAML syntax error: {e.problem or e.context}"
    if e.problem and e.context:
        message += f" ({e.context}"
        if e.context_mark is not None and mark is not None and e.context_mark.line != mark.line:
            message += f" at line {e.context_mark.line + 1}"
        message += ")"
    if e.problem and "'\\t'" in e.problem:
        message += "; indent with spaces, not tabs"
    line = None if mark is None else mark.line + 1
    return _fail(source, message, line=line)


def _describe(value: object) -> str:
    """A student-readable name for what a value is."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return "a number"
    return "a single piece of text"
