"""The page's small browser-side components (Vue templates beside this file)."""

from __future__ import annotations

from collections.abc import Callable

import solara


@solara.component_vue("filepick.vue")
def FilePick(label: str, limit: int, accept: str = "", event_picked: Callable | None = None):
    """A file box: click to choose a file or drop one; `event_picked(info, buffers)` gets
    {name, size} and the file's bytes (none for a file above `limit` bytes)."""


@solara.component_vue("browserstate.vue")
def BrowserState(query: str | None, frame: int, event_shown: Callable | None = None):
    """Keeps the address bar's query string at `query`; acknowledges painted frames."""


def _file_to_json(value, _widget):
    return value  # a dict holding bytes: sent as a binary websocket frame


@solara.component_vue("download.vue", to_json={"file": _file_to_json})
def Download(label: str, help: str = "", file: dict | None = None,
             event_request: Callable | None = None):
    """A button that saves a file made on request: `event_request()` is called on a click,
    and the page then sets `file` to {name, mime, data (bytes), serial}."""
