"""Where commands write their results: never over a user's files, never half-written.

Every command that writes files goes through here (`run`, `compare`, `analyze` write a
folder; `schema` and `targets --report` write files):

- The destination is checked before any work is done, so a bad one costs a message, not
  a simulation: an existing file where a folder should go, a folder that cannot be
  written, a folder or file that holds something else.
- A folder is replaced only if cogov wrote everything in it for the same command (its
  manifest, `.cogov-outputs.json`, says so; the same command gives the same files).
  Otherwise the command refuses, or, writing to its default folder, picks a fresh name
  beside it (`runs/compare-2`). `--force` writes into the folder anyway: cogov's files
  replace those of the same name and earlier cogov files there are removed; other files
  stay.
- A single file is replaced only if it carries cogov's mark for that kind of file (the
  generated JSON schema's title, the validation report's first line), or with `--force`.
- Everything is written under a temporary name beside the destination and renamed into
  place when complete. A failure (a full disk, say) removes the temporary files: the
  destination is as it was, with no empty or half-written file and no folder mixing old
  and new results.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

MANIFEST = ".cogov-outputs.json"
MAX_NAME = 100  # characters of a folder name made from a scenario's name


class OutputError(Exception):
    """A destination cogov will not or cannot write; `code` is the exit code."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def safe_name(name: str, fallback: str = "scenario") -> str:
    """A file-name-safe form of a run's name: letters (any script), digits, '.', '-' and
    '_' only, so a name such as '../../x' can never lead outside the runs folder."""
    cleaned = re.sub(r"[^\w.-]+", "_", name).strip("._-")[:MAX_NAME].strip("._-")
    return cleaned or fallback


def _command_key(command: list[str]) -> list[str]:
    """A command as compared between runs (--force does not change the outputs)."""
    return [a for a in command if a != "--force"]


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _make_folder(folder: Path) -> None:
    """Create `folder` and its parents; a file standing where a folder must be is named
    (mkdir alone would only say "File exists")."""
    for part in (folder, *folder.parents):
        if part.exists():
            if not part.is_dir():
                raise NotADirectoryError(20, f"{part} is a file, not a folder (Not a directory)")
            break
    folder.mkdir(parents=True, exist_ok=True)


def _read_manifest(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("written_by") == "cogov" else None


def _describe(manifest: dict) -> str:
    when = str(manifest.get("time", ""))[:16].replace("T", " ")
    return f"the outputs of `{' '.join(manifest.get('command') or ['cogov'])}`" + (
        f" ({when} UTC)" if when else "")


# ------------------------------------------------------------------ folders


@dataclass
class OutputFolder:
    """A folder of outputs being written: files go to `path(name)` (a staging folder
    beside the destination) and appear at `final` only when `commit()` is called."""

    final: Path
    kind: str
    command: list[str]
    staging: Path
    mode: str  # "new" (absent or empty), "replace" (cogov's same outputs), "force"
    note: str | None = None  # said to the user: what is replaced, or why a fresh name
    written: list[str] = field(default_factory=list)

    def path(self, name: str) -> Path:
        self.written.append(name)
        return self.staging / name

    def commit(self) -> Path:
        """Move the written files into place; returns the folder."""
        manifest = {"written_by": "cogov", "kind": self.kind, "command": self.command,
                    "files": sorted(set(self.written)),
                    "time": datetime.now(UTC).isoformat(timespec="seconds")}
        (self.staging / MANIFEST).write_text(json.dumps(manifest, indent=1,
                                                         ensure_ascii=False))
        final = self.final
        if self.mode == "force" and final.is_dir():
            old = _read_manifest(final)
            for name in (old or {}).get("files", []):  # cogov's earlier files, not rewritten
                stale = final / name
                if name not in self.written and stale.is_file() and "/" not in name:
                    stale.unlink()
            for item in self.staging.iterdir():
                os.replace(item, final / item.name)
            self.staging.rmdir()
            return final
        if final.is_dir():
            # an empty folder, or cogov's earlier outputs of this command: set it aside,
            # put the new one in its place, then delete the old
            aside = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.old-"))
            os.replace(final, aside / final.name)
            try:
                os.replace(self.staging, final)
            except OSError:
                os.replace(aside / final.name, final)
                raise
            shutil.rmtree(aside, ignore_errors=True)
        else:
            os.replace(self.staging, final)
        return final

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    @contextlib.contextmanager
    def writing(self) -> Iterator[OutputFolder]:
        """Write the files inside the block; commit if it completes, else discard all.

        An OSError (a full disk) becomes an OutputError saying nothing was written."""
        try:
            yield self
            self.commit()
        except OSError as exc:
            self.discard()
            raise OutputError(f"could not write the outputs to {self.final}/: {_why(exc)}; "
                              "nothing was written there", code=1) from None
        except BaseException:
            self.discard()
            raise


def _folder_state(folder: Path, kind: str, command: list[str]) -> tuple[str, str | None]:
    """("absent" | "empty" | "same" | "cogov" | "foreign" | "file", description)."""
    if not folder.exists():
        return ("file", None) if folder.is_symlink() else ("absent", None)
    if not folder.is_dir():
        return "file", None
    try:
        entries = [e.name for e in folder.iterdir()]
    except OSError as exc:
        raise OutputError(f"cannot read the folder {folder}/: {_why(exc)}") from None
    if not entries:
        return "empty", None
    manifest = _read_manifest(folder)
    if manifest is None or manifest.get("kind") != kind:
        return "foreign", None
    ours = {*manifest.get("files", []), MANIFEST}
    if not set(entries) <= ours:
        return "foreign", None
    if _command_key(manifest.get("command") or []) == _command_key(command):
        return "same", _describe(manifest)
    return "cogov", _describe(manifest)


def prepare_folder(requested: str | Path | None, default: Path, *, kind: str,
                   command: list[str], force: bool = False) -> OutputFolder:
    """Check where a command's outputs go, before the command does its work.

    `requested` is the user's --out (None: `default`, where a fresh name is picked if the
    folder holds anything else). Raises OutputError with the reason when it cannot."""
    explicit = requested is not None
    target = Path(requested) if explicit else default
    state, what = _folder_state(target, kind, command)
    note = None
    if state == "file":
        raise OutputError(f"{target} exists and is not a folder; give --out a folder name")
    if state in ("cogov", "foreign") and not force:
        held = what or "files cogov did not write"
        if explicit:
            raise OutputError(f"{target}/ already holds {held}; choose another --out, or "
                              "add --force to write cogov's files into it (files of the same "
                              "name are replaced; others are kept)")
        target, note = _fresh(default, kind, command), f"{default}/ holds {held}"
    mode = "force" if (force and state in ("cogov", "foreign")) else "new"
    if state == "same":
        mode, note = "replace", f"replacing {what} in {target}/"
    try:
        _make_folder(target.parent)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.partial-"))
    except OSError as exc:
        raise OutputError(f"cannot write the outputs to {target}/: {_why(exc)}") from None
    return OutputFolder(target, kind, command, staging, mode, note)


def _fresh(default: Path, kind: str, command: list[str]) -> Path:
    """The first of default-2, default-3, ... that is free (or holds this command's)."""
    for n in range(2, 10_000):
        cand = default.with_name(f"{default.name}-{n}")
        if _folder_state(cand, kind, command)[0] in ("absent", "empty", "same"):
            return cand
    raise OutputError(f"no free folder name beside {default}; give one with --out")


# ------------------------------------------------------------------ single files


@dataclass
class OutputFile:
    """A file being written: write to `temp`, then `commit()` renames it into place."""

    final: Path
    temp: Path

    def commit(self) -> Path:
        os.replace(self.temp, self.final)
        return self.final

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.temp.unlink()


def prepare_file(path: str | Path, *, is_ours: Callable[[Path], bool], what: str,
                 force: bool = False) -> OutputFile:
    """Check a single output file's destination before the work; returns where to write.

    An existing file is replaced only if `is_ours(path)` (it carries cogov's mark for
    this kind of file) or with `force`."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name for the {what}")
    if path.exists() and not force and not is_ours(path):
        raise OutputError(f"{path} exists and was not written by cogov as a {what}; choose "
                          "another name, or add --force to replace it")
    try:
        _make_folder(path.parent)
        # the temporary name keeps the extension: writers pick the format from it
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                    suffix=f".partial{path.suffix}")
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_why(exc)}") from None
    return OutputFile(path, Path(temp))


@contextlib.contextmanager
def writing_files(*files: OutputFile) -> Iterator[None]:
    """Write the files' temps inside the block; rename them all into place if it
    completes, else remove them (an OSError becomes an OutputError)."""
    try:
        yield
        for f in files:
            f.commit()
    except OSError as exc:
        for f in files:
            f.discard()
        where = ", ".join(str(f.final) for f in files)
        raise OutputError(f"could not write {where}: {_why(exc)}; nothing was replaced",
                          code=1) from None
    except BaseException:
        for f in files:
            f.discard()
        raise


