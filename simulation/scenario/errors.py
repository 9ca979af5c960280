"""Error type for problems in scenario and experiment input.

Students edit scenario YAML by hand, so every problem carries enough to find and fix it:
the file, the 1-based line, the dotted field path, the offending value, what is allowed,
and for a typo the nearest valid name.  Several problems can be reported at once so a
student does not have to fix a file one error per run.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

_MAX_VALUE_CHARS = 80


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we know."""

    message: str  # what is wrong, one plain sentence, e.g. "unknown key 'levres'"
    file: str | None = None  # path as the user gave it
    line: int | None = None  # 1-based
    path: str | None = None  # "levers.rule_of_law.enforcement", "shocks[0].week"; "" = root
    value: object = None  # the offending value; shown repr'd and truncated
    allowed: str | None = None  # e.g. "a number from 0 to 1" or "one of: a, b, c"
    suggestion: str | None = None  # nearest valid name for a typo

    def format(self) -> str:
        """Render as ``file:line: path: message (did you mean 'x'?)`` plus an indented
        ``allowed: ...; got: ...`` line when either is known.  Unknown parts are left out."""
        where = ":".join(p for p in (self.file, None if self.line is None else str(self.line)) if p)
        text = self.message
        if self.suggestion is not None:
            text += f" (did you mean {self.suggestion!r}?)"
        head = ": ".join(p for p in (where, self.path, text) if p)
        details = []
        if self.allowed is not None:
            details.append(f"allowed: {self.allowed}")
        if self.value is not None:
            details.append(f"got: {short_repr(self.value)}")
        return head + ("\n  " + "; ".join(details) if details else "")


class ScenarioError(Exception):
    """One or more problems found in scenario/experiment input; str() joins Problem.format()
    lines."""

    problems: list[Problem]

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(p.format() for p in self.problems))

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[list[Problem]]]:
        # Rebuilt from the problems, not from the joined message, so the error survives a
        # process boundary (process pools, Dask, EMA's evaluators pickle exceptions).
        return type(self), (self.problems,)


def nearest_name(name: str, choices: Iterable[str]) -> str | None:
    """The valid name a typo most likely meant, or None if nothing is close.

    A case-only difference ("Levers") wins outright; otherwise difflib picks the closest
    name with a similarity of at least 0.6, comparing case-insensitively; failing that, a
    single name that contains what was typed as one of its words ("surge" ->
    "dispute_surge")."""
    options = list(choices)
    by_lower = {c.lower(): c for c in reversed(options)}  # first spelling wins on clashes
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    if close:
        return by_lower[close[0]]
    typed = name.lower()
    containing = [c for low, c in by_lower.items()
                  if len(typed) >= 3 and typed in low.replace(".", "_").split("_")]
    return containing[0] if len(containing) == 1 else None


def nearest_path(typed: str, paths: Iterable[str]) -> str | None:
    """The dotted path a typo or a bare or misplaced last part most likely meant.

    'levers.rule_of_law.enforcment' -> the nearest whole path; 'enforcement' or
    'ladder.enforcement' -> the path whose last part is (nearest to) 'enforcement'. Where
    several paths end alike, the first declared wins (a lever before its cost)."""
    options = list(paths)
    leaves: dict[str, str] = {}
    for path in options:
        leaves.setdefault(path.rsplit(".", 1)[-1], path)

    def by_leaf() -> str | None:
        hit = nearest_name(typed.rsplit(".", 1)[-1], leaves)
        return leaves[hit] if hit is not None else None

    if "." not in typed:
        return by_leaf() or nearest_name(typed, options)
    return nearest_name(typed, options) or by_leaf()


def short_repr(value: object) -> str:
    """repr() cut to a readable length, so a huge value cannot flood the terminal."""
    text = repr(value)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 3] + "..."
    return text
