"""Which files a scenario may read, and how messages name them.

A scenario reads other files in two places: the scenario it `extends:` and its network
file (`network.file`). Two policies decide which:

- `LocalFiles`, for the command line, where the user reads their own files: any scenario
  file (a name ending in .yaml or .yml) and any network file; messages name files by the
  paths the user gave.
- `Sandbox`, for the browser view, whose users must not read the server's files: a
  scenario may extend only the bundled scenarios and files in the sandbox's folders (the
  session's uploads and, if the server offers one, a scenario folder), and read network
  files only from those folders. Absolute paths and `..` are refused before anything is
  looked up, so a refusal says nothing about what exists on the server; messages name
  files as the user knows them (`mine.yaml`, `fengqiao.yaml`), never by a server path.

The loader asks the policy; a name the policy refuses raises `Refused` with a sentence
for the user.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import scenarios

SCENARIO_SUFFIXES = (".yaml", ".yml")
MAX_NAME_BYTES = 255  # longest file name most file systems allow


class Refused(Exception):
    """A file a scenario may not read, or a name that cannot be a file; str() says why."""


# The bundled scenarios: package data of the `scenarios` package.
BUNDLED_DIR = scenarios.folder()


def bundled_names() -> list[str]:
    """Names of the bundled scenarios (file stems in `scenarios/`)."""
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.yaml"))


def is_regular_file(path: Path) -> bool:
    """`path.is_file()` that is False, not an exception, for impossible names."""
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        return False


def check_name(name: str) -> Path:
    """`name` as a relative or absolute path, if it can name a file at all."""
    if not name or not name.strip():
        raise Refused("the name is empty")
    if "\0" in name:
        raise Refused("the name holds a NUL character")
    path = Path(name)
    if path.name in ("", ".", ".."):
        raise Refused("the name is a folder, not a file")
    if any(len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES
           for part in path.parts):
        raise Refused(f"the name is too long (a file name has at most {MAX_NAME_BYTES} "
                      "bytes)")
    return path


def _with_suffix(path: Path) -> Path:
    """The scenario file a name means: `fengqiao` is `fengqiao.yaml`."""
    if path.suffix.lower() in SCENARIO_SUFFIXES:
        return path
    return path.with_name(path.name + ".yaml")


class LocalFiles:
    """The command line's policy: see the module docstring."""

    def scenario(self, name: str, beside: Path | None) -> Path | None:
        """The scenario file `name` means, looked for beside `beside` (the working
        folder for a name typed by the user) and then among the bundled scenarios; None
        if there is none."""
        raw = check_name(name)
        path = _with_suffix(raw)
        if path.is_absolute():
            candidates = [path]
        else:
            candidates = [(beside or Path.cwd()) / path, BUNDLED_DIR / path]
        for c in candidates:
            if is_regular_file(c):
                return c
        if raw != path and is_regular_file(raw if raw.is_absolute()
                                           else (beside or Path.cwd()) / raw):
            raise Refused("this is not a scenario file (a scenario file's name ends in "
                          ".yaml or .yml)")
        return None

    def network_file(self, name: str, folder: Path) -> Path:
        """The network file a scenario in `folder` names."""
        return folder / check_name(name)

    def shown(self, path: Path) -> str:
        return str(path)

    def allowed(self, exclude: Path | None = None) -> str:
        """What a scenario may extend, for messages."""
        return ("a .yaml file beside this one, or a bundled scenario: "
                + ", ".join(bundled_names()))


class Sandbox:
    """The browser view's policy: see the module docstring.

    Args:
        folders: the folders whose files scenarios may read (the session's uploads, a
            scenario folder offered by the server), named in messages by their paths
            inside the folder.
        described: how the page describes those folders to its users, for messages
            ("files uploaded in this session").
    """

    def __init__(self, folders: Sequence[Path], described: str = "files uploaded in this "
                 "session") -> None:
        self.folders = [Path(f).resolve() for f in folders]
        self.described = described

    def _inside(self, path: Path) -> Path | None:
        """The resolved path if it lies in a folder of the sandbox or among the bundled
        scenarios (symbolic links followed), else None."""
        try:
            real = path.resolve()
        except (OSError, RuntimeError, ValueError):
            return None
        for root in [*self.folders, BUNDLED_DIR]:
            if real.is_relative_to(root):
                return real
        return None

    def _relative(self, name: str, what: str) -> Path:
        """`name` as a path inside a folder: no absolute path, no `..`."""
        path = check_name(name)
        if path.is_absolute() or ".." in path.parts:
            raise Refused(f"this page reads {what}; a name here cannot start with '/' or "
                          "hold '..'")
        return path

    def scenario(self, name: str, beside: Path | None) -> Path | None:
        path = _with_suffix(self._relative(
            name, f"only bundled scenarios and {self.described}"))
        candidates = []
        if beside is not None and self._inside(beside) is not None:
            candidates.append(beside / path)
        if len(path.parts) == 1:
            candidates.append(BUNDLED_DIR / path)
        candidates += [root / path for root in self.folders]
        for c in candidates:
            real = self._inside(c)
            if real is not None and is_regular_file(real):
                return real
        return None

    def network_file(self, name: str, folder: Path) -> Path:
        what = f"network files only from {self.described}"
        path = self._relative(name, what)
        real = self._inside(folder / path)
        if real is None or real.is_relative_to(BUNDLED_DIR):
            raise Refused(f"this page reads {what}")
        return real

    def shown(self, path: Path) -> str:
        real = self._inside(path)
        if real is None:
            return path.name
        for root in [*self.folders, BUNDLED_DIR]:
            if real.is_relative_to(root):
                return str(real.relative_to(root))
        return path.name

    def allowed(self, exclude: Path | None = None) -> str:
        """What a scenario may extend, for messages (`exclude`: the file asking)."""
        skip = self._inside(exclude) if exclude is not None else None
        own = sorted({str(p.relative_to(root)) for root in self.folders
                      for p in _files(root, SCENARIO_SUFFIXES) if p.resolve() != skip})
        text = "a bundled scenario: " + ", ".join(bundled_names())
        return text + (f"; or one of the {self.described}: " + ", ".join(own) if own else "")


def _files(root: Path, suffixes: tuple[str, ...], limit: int = 50) -> list[Path]:
    """Up to `limit` files under `root` with one of `suffixes` (for messages)."""
    out: list[Path] = []
    for folder, _, names in os.walk(root):
        for n in sorted(names):
            if n.lower().endswith(suffixes):
                out.append(Path(folder) / n)
                if len(out) >= limit:
                    return out
    return out


FileAccess = LocalFiles | Sandbox
