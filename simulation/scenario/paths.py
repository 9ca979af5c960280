"""Dotted parameter paths (`levers.rule_of_law.enforcement`): the one way to read and
write a parameter by its name, in nested mappings and in scenarios alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def get_path(obj: Any, path: str) -> Any:
    """The value at a dotted path of a nested mapping or of a scenario (attributes).

    Raises:
        KeyError: naming the path, when a part of it does not exist.
    """
    node = obj
    for part in path.split("."):
        if isinstance(node, Mapping):
            if part not in node:
                raise KeyError(path)
            node = node[part]
        elif part in getattr(type(node), "model_fields", {}):
            node = getattr(node, part)
        else:
            raise KeyError(path)
    return node


def set_path(data: dict[str, Any], path: str, value: Any, *, create: bool = False) -> None:
    """Set the value at a dotted path of nested mappings, in place.

    Args:
        create: make missing mappings on the way (building a partial file); otherwise a
            path that does not exist already raises KeyError naming it.
    """
    node = data
    *parents, leaf = path.split(".")
    for part in parents:
        if not isinstance(node, dict):
            raise KeyError(path)
        if part not in node:
            if not create:
                raise KeyError(path)
            node[part] = {}
        node = node[part]
    if not isinstance(node, dict) or (leaf not in node and not create):
        raise KeyError(path)
    node[leaf] = value


def nested(values: Mapping[str, Any]) -> dict[str, Any]:
    """`{"a.b": 1, "a.c": 2}` as `{"a": {"b": 1, "c": 2}}`."""
    out: dict[str, Any] = {}
    for path, value in values.items():
        set_path(out, path, value, create=True)
    return out


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"a": {"b": 1}}` (or `{"a.b": 1}`) as `{"a.b": 1}`: every leaf by its dotted path."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, path + "."))
        else:
            out[path] = value
    return out
