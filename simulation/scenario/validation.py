"""One validation machinery for every file a user hands in: scenarios, experiment files,
targets and the calibration file.

Each file type is a pydantic model (its root); the file is read with the hardened YAML
reader (`yaml_safe`, which records the line of every field path) and validated against
the model. `problems_from_validation` turns pydantic's errors into `Problem`s that name
the file, the line, the field path, the bad value, what is allowed and, for a typo, the
nearest valid name, every problem of the file at once, sorted by line.

Validators of a model report a problem by raising `Invalid`, which may name a field below
the one being validated (`path`), what is allowed and the nearest valid name, or hold
several problems at once; a plain `ValueError("sub.path: message")` names its field by
the prefix.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, RootModel, ValidationError
from pydantic.fields import FieldInfo

from simulation.numbers import format_number
from simulation.scenario import hints
from simulation.scenario.errors import Problem, ScenarioError, nearest_name

Origin = dict[str, tuple[str | None, int | None]]  # field path -> (file, line) that set it
_UNSET: Any = object()


class Invalid(ValueError):
    """A problem found by a validator, located below the field it validates.

    Args:
        message: what is wrong, one plain sentence.
        path: the field it concerns, relative to the model whose validator raises
            ("factors.x.high", "levels[1]"); "" for the model itself.
        value: the offending value (default: the value at `path` in the data).
        allowed: what is allowed instead.
        suggestion: the nearest valid name, for a typo.
    """

    def __init__(self, message: str, *, path: str = "", value: Any = _UNSET,
                 allowed: str | None = None, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.problems = [Problem(message, path=path, value=value, allowed=allowed,
                                 suggestion=suggestion)]

    @classmethod
    def of(cls, found: Iterable[Invalid]) -> Invalid:
        """Several problems found by one validator, raised together."""
        found = list(found)
        first = found[0]
        first.problems = [p for inv in found for p in inv.problems]
        return first


def raise_found(found: list[Invalid]) -> None:
    """Raise every problem a validator collected, if any."""
    if found:
        raise Invalid.of(found)


# ------------------------------------------------------------------ paths


def loc_to_path(loc: Iterable[Any]) -> str:
    """pydantic's error location as a dotted path: ("shocks", 0, "week") -> shocks[0].week."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def path_to_loc(path: str) -> tuple[Any, ...]:
    """The inverse of `loc_to_path` for names without dots: "a.b[1]" -> ("a", "b", 1)."""
    return tuple(int(p[1:-1]) if p.startswith("[") else p
                 for p in path.replace("[", ".[").split(".") if p)


def locate(path: str, origin: Mapping[str, tuple[str | None, int | None]],
           default_file: str | None) -> tuple[str | None, int | None]:
    """The file and line that set `path`, or that of the nearest field above it."""
    probe = path
    while True:
        if probe in origin and origin[probe][1] is not None:
            return origin[probe]
        if not probe:
            return default_file, None
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""


def origin_of(lines: Mapping[str, int], shown: str) -> Origin:
    """Where each field path of one file is set: that file, at its line."""
    return {path: (shown, line) for path, line in lines.items()}


def value_at(data: Any, loc: Iterable[Any]) -> Any:
    """The value at a field path in the data that was validated (None if absent)."""
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return None if isinstance(node, dict | list) else node


# ------------------------------------------------------------------ the models


def _model_in(ann: Any) -> type[BaseModel] | None:
    """The model class an annotation holds directly (M, M | None), or None."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        for arg in typing.get_args(ann):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _step(ann: Any) -> tuple[type[BaseModel] | None, int]:
    """(model, keys to skip) under an annotation: a model, a list or tuple of models (one
    index to skip), or a mapping of names to models (one key to skip)."""
    found = _model_in(ann)
    if found is not None:
        return found, 0
    for arg in typing.get_args(ann):
        if typing.get_origin(arg) is not None or (isinstance(arg, type)
                                                  and issubclass(arg, BaseModel)):
            inner, _ = _step(arg)
            if inner is not None:
                origin = typing.get_origin(ann)
                return inner, 1 if origin in (dict, Mapping) else 0
    return None, 0


def keys_of(model: type[BaseModel]) -> list[str]:
    """The keys a file may give a model: its fields, by alias where they have one."""
    return [field.alias or name for name, field in model.model_fields.items()]


def field_named(model: type[BaseModel], key: str) -> FieldInfo | None:
    """The field a file's key names (by alias where it has one)."""
    for name, field in model.model_fields.items():
        if (field.alias or name) == key:
            return field
    return None


def model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that holds the field at `loc` (for key suggestions)."""
    model: type[BaseModel] | None = root
    skip = 0
    if issubclass(root, RootModel):  # its errors are located inside its one field
        model, skip = _step(root.model_fields["root"].annotation)
    for part in loc[:-1]:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        if skip:
            skip -= 1
            continue
        field = field_named(model, str(part))
        if field is None:
            return None
        model, skip = _step(field.annotation)
    return model


def field_at(root: type[BaseModel], loc: tuple[Any, ...]) -> FieldInfo | None:
    holder = model_at(root, loc)
    if holder is None or not loc:
        return None
    return field_named(holder, str(loc[-1]))


def bounds_of(field: FieldInfo) -> tuple[float | None, float | None]:
    """A field's declared inclusive bounds (ge, le)."""
    lo = hi = None
    for meta in field.metadata:
        lo = getattr(meta, "ge", None) if getattr(meta, "ge", None) is not None else lo
        hi = getattr(meta, "le", None) if getattr(meta, "le", None) is not None else hi
    return lo, hi


def allowed_text(kind: str, low: float | None = None, high: float | None = None,
                 unit: str = "", choices: Iterable[str] = ()) -> str | None:
    """What a value may be, in words: "a number from 0 to 1 (share)", "one of: a, b"."""
    choices = list(choices)
    if choices:
        return "one of: " + ", ".join(str(c) for c in choices)
    noun = {"int": "a whole number", "float": "a number"}.get(kind)
    if noun is None:
        return "text" if kind == "text" else None
    unit = f" ({unit})" if unit else ""
    if low is not None and high is not None:
        return f"{noun} from {format_number(low)} to {format_number(high)}{unit}"
    if low is not None:
        return f"{noun} from {format_number(low)} up{unit}"
    return noun + unit


def _allowed_for(field: FieldInfo | None) -> str | None:
    if field is None:
        return None
    ann = field.annotation
    lo, hi = bounds_of(field)
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    unit = str(extra.get("unit", ""))
    if typing.get_origin(ann) is typing.Literal:
        return allowed_text("choice", choices=[str(a) for a in typing.get_args(ann)])
    if ann is int or ann == (int | None):
        return allowed_text("int", lo, hi, unit)
    if ann is float or ann == (float | None):
        return allowed_text("float", lo, hi, unit)
    if ann is str or ann == (str | None):
        return "text"
    if ann is bool:
        return "true or false"
    return None


# ------------------------------------------------------------------ the messages


_PATH_PREFIX = re.compile(r"^([A-Za-z_][\w.\[\]]*): (.*)$", re.S)


def problems_from_validation(exc: ValidationError, root: type[BaseModel], origin: Origin,
                             default_file: str | None, data: Any = None) -> list[Problem]:
    """Turn pydantic's errors for a file validated as `root` into located Problems."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err.get("loc", ()))
        kind = err.get("type", "")
        error = (err.get("ctx") or {}).get("error")
        if kind == "value_error" and isinstance(error, Invalid):
            for p in error.problems:
                sub = loc + path_to_loc(p.path or "")
                value = value_at(data, sub) if p.value is _UNSET else p.value
                path = loc_to_path(sub)
                file, line = locate(path, origin, default_file)
                problems.append(Problem(p.message, file=file, line=line, path=path,
                                        value=value, allowed=p.allowed,
                                        suggestion=p.suggestion))
            continue
        problems.append(_problem(err, loc, kind, root, origin, default_file, data))
    return problems


def invalid_from(exc: ValidationError, root: type[BaseModel], prefix: str,
                 data: Any = None) -> list[Invalid]:
    """The problems of validating `data` as `root` inside a validator, as `Invalid`s
    located under `prefix` (relative to the validator's own field)."""
    found = []
    for p in problems_from_validation(exc, root, {}, None, data):
        path = prefix + ("" if not p.path or p.path.startswith("[") else ".") + (p.path or "")
        found.append(Invalid(p.message, path=path, value=p.value, allowed=p.allowed,
                             suggestion=p.suggestion))
    return found


def _problem(err: Any, loc: tuple[Any, ...], kind: str, root: type[BaseModel],
             origin: Origin, default_file: str | None, data: Any) -> Problem:
    value = err.get("input")
    msg = str(err.get("msg", ""))
    suggestion = None
    field = field_at(root, loc)
    allowed = _allowed_for(field)
    if kind == "value_error":
        # Our validators may name the field they object to: "sub.path: message".
        msg = msg.removeprefix("Value error, ")
        m = _PATH_PREFIX.match(msg)
        if m:
            loc = loc + path_to_loc(m.group(1))
            msg = m.group(2)
        # A rule across fields: the field's own bounds would mislead here.
        allowed = None
        value = value_at(data, loc)
    elif kind == "extra_forbidden":
        holder = model_at(root, loc)
        choices = keys_of(holder) if holder else []
        msg = f"unknown key {str(loc[-1])!r}"
        suggestion = nearest_name(str(loc[-1]), choices)
        allowed = "one of: " + ", ".join(choices) if choices else None
        value = None
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        msg = "out of range"
    elif kind in ("float_type", "int_type", "int_from_float", "float_parsing",
                  "int_parsing"):
        msg = _not_a_number(value, allowed, _upper(field))
    elif kind in ("bool_type", "bool_parsing"):
        msg = "expected true or false"
        allowed = "true or false"
    elif kind == "literal_error":
        msg = "not one of the allowed choices"
        if field is not None and isinstance(value, str):
            suggestion = nearest_name(hints.to_ascii(value).strip(), [
                str(a) for a in typing.get_args(field.annotation)])
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        msg = "expected a mapping of keys to values"
        allowed = "a mapping (key: value lines, indented under this key)"
    elif kind in ("tuple_type", "list_type"):
        msg = "expected a list"
        allowed = "a list (lines starting with '- ', or [a, b])"
    elif kind == "string_type":
        msg = "expected text"
    elif kind == "missing":
        msg = "missing: this key is required"
    if isinstance(value, str) and kind != "value_error":
        # A full-width character explains any other complaint about a typed value.
        msg = hints.fullwidth_message(value, _upper(field)) or msg
    path = loc_to_path(loc)
    file, line = locate(path, origin, default_file)
    return Problem(msg, file=file, line=line, path=path, value=value, allowed=allowed,
                   suggestion=suggestion)


def _not_a_number(value: Any, allowed: str | None, upper: float | None) -> str:
    """Why a value is not the number a field needs, in the words of the mistake."""
    expected = f"expected {allowed or 'a number'}"
    if isinstance(value, bool):
        return f"{expected}, got yes/no"
    if not isinstance(value, str):
        return f"{expected}, got {type(value).__name__}"
    if re.fullmatch(r"[-+]?\d+(\.\d*)?[eE][-+]?\d+", value):
        return f"{expected}, got text (YAML reads 1e3 as text: write 1000 or 1.0e+3)"
    hint = hints.number_hint(value, upper)
    if hint == "remove the quotes":
        return f"{expected}, got text ({hint})"
    if hint is not None:
        return hint
    if hints.is_word(value):
        return f"{expected}, got the word {value.strip()!r}"
    return f"{expected}, got the text {value!r}"


def _upper(field: FieldInfo | None) -> float | None:
    return None if field is None else bounds_of(field)[1]


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    """Problems by file, then line (those without a line first), each once."""
    unique = list({p.format(): p for p in reversed(problems)}.values())[::-1]
    return sorted(unique, key=lambda p: (p.file or "", p.line or 0))


# ------------------------------------------------------------------ a whole file


def validate_data[M: BaseModel](root: type[M], data: Any, lines: Mapping[str, int],
                                shown: str, context: dict[str, Any] | None = None
                                ) -> tuple[M | None, list[Problem]]:
    """Validate one file's data as `root`: the model, or None and every problem."""
    try:
        return root.model_validate(data, context=context), []
    except ValidationError as exc:
        return None, problems_from_validation(exc, root, origin_of(lines, shown), shown, data)


def read_file[M: BaseModel](root: type[M], path: Path, shown: str | None = None,
                            context: dict[str, Any] | None = None) -> M:
    """Read and validate one YAML file as `root`.

    Raises:
        ScenarioError: every problem of the file, in line order.
    """
    return read_checked(root, path, shown, context)[0]


def read_checked[M: BaseModel](root: type[M], path: Path, shown: str | None = None,
                               context: dict[str, Any] | None = None
                               ) -> tuple[M, dict[str, int]]:
    """`read_file`, with the line of every field path of the file."""
    import dataclasses

    from simulation.scenario.yaml_safe import PartialYaml, read_yaml_mapping

    shown = shown or str(path)
    problems: list[Problem] = []
    try:
        data, lines = read_yaml_mapping(path)
    except PartialYaml as exc:  # the rest of the file is still checked
        problems.extend(dataclasses.replace(p, file=shown) for p in exc.problems)
        data, lines = exc.data, exc.lines
    except ScenarioError as exc:
        raise ScenarioError([dataclasses.replace(p, file=shown)
                             for p in exc.problems]) from None
    model, found = validate_data(root, data, lines, shown, context)
    problems.extend(found)
    if problems or model is None:
        raise ScenarioError(sorted_problems(problems))
    return model, lines
