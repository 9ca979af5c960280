"""A chart drawn in the browser by ECharts, from data (see echart.vue).

The option and each frame's data travel wrapped in `Plain`, which the widget sends as it
is: reacton otherwise walks every number of a prop looking for elements, and ipywidgets'
default serializer every number looking for widgets, which together cost more than the
rest of a frame with long series.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara


class Plain:
    """JSON data handed to the browser untouched. Two compare equal when their `key`
    does (a frame number, a hash of an option), so an unchanged one is not sent again."""

    __slots__ = ("key", "value")

    def __init__(self, value: Any, key: Any = None) -> None:
        self.value = value
        self.key = key

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Plain):
            return NotImplemented
        if self.key is None or other.key is None:
            return self is other
        return self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key) if self.key is not None else id(self)


def _plain_to_json(value, _widget):
    return value.value if isinstance(value, Plain) else value


@solara.component_vue("echart.vue", to_json={"option": _plain_to_json,
                                             "frame_data": _plain_to_json})
def EChart(option: Plain, frame_data: Plain, height: str = "260px", chart_key: str = "",
           png_label: str = "", png_name: str = "chart", ack: bool = False,
           clickable: bool = False, event_click: Callable | None = None,
           event_shown: Callable | None = None):
    """`option`: the ECharts option (applied in full when it changes); `frame_data`: the
    frame (`{"frame": n, "update": {...}}`, a partial option merged into the chart: series
    are matched by id)."""
