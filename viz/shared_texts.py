"""Texts the browser view's guided lessons and the student workbook share.

A text both need is written once, in `viz/texts/shared.yaml` (English and Chinese). A
guided step uses it with `text: {shared: KEY}` in `viz/texts/guide.yaml`; a workbook page
(`docs/workbook/en|zh/*.md`) holds a copy between two markers:

    <!-- shared: KEY -->
    ...the text, as written by the sync below...
    <!-- /shared -->

The copy exists because the workbook is read as plain Markdown (on GitHub, printed), where
nothing can be included. `tests/test_workbook.py` fails when a copy differs from its
source, and `python -m viz.shared_texts` rewrites every copy from the source (only the
text between markers; nothing else on a page changes).
"""

from __future__ import annotations

import re
import sys
import textwrap
from functools import cache
from pathlib import Path

import yaml

SOURCE = Path(__file__).resolve().with_name("texts") / "shared.yaml"
WORKBOOK = Path(__file__).resolve().parents[1] / "docs" / "workbook"
BLOCK = re.compile(r"(<!-- shared: (?P<key>[a-z0-9_]+) -->\n)(?P<body>.*?)(\n<!-- /shared -->)",
                   re.DOTALL)
_CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"


@cache
def shared() -> dict[str, dict[str, str]]:
    """Every shared text by key: {"en": ..., "zh": ...}."""
    raw = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    return {key: {lang: normalise(text, lang) for lang, text in texts.items()}
            for key, texts in raw.items()}


def normalise(text: str, lang: str) -> str:
    """One paragraph with single spaces; in Chinese no space between two Chinese
    characters (YAML's folded lines put one there), while a space beside Latin text
    stays."""
    text = re.sub(r"\s+", " ", text).strip()
    if lang == "zh":
        text = re.sub(rf"(?<={_CJK}) (?={_CJK})", "", text)
    return text


def rendered(key: str, lang: str) -> str:
    """A shared text as a workbook page holds it: English wrapped at 88 characters,
    Chinese on one line (Markdown joins lines, and a break inside Chinese shows as a
    space)."""
    text = shared()[key][lang]
    return textwrap.fill(text, 88, break_on_hyphens=False) if lang == "en" else text


def pages() -> list[tuple[Path, str]]:
    """Every workbook page with its language."""
    return [(p, lang) for lang in ("en", "zh") for p in sorted((WORKBOOK / lang).glob("*.md"))]


def blocks(page: Path) -> list[tuple[str, str]]:
    """(key, text) of each shared block on a page."""
    return [(m["key"], m["body"]) for m in BLOCK.finditer(page.read_text(encoding="utf-8"))]


def sync(page: Path, lang: str) -> bool:
    """Rewrite a page's shared blocks from the source; True if anything changed.

    Raises:
        KeyError: a block names a key the source does not have.
    """
    before = page.read_text(encoding="utf-8")
    after = BLOCK.sub(lambda m: m[1] + rendered(m["key"], lang) + m[4], before)
    if after != before:
        page.write_text(after, encoding="utf-8")
    return after != before


def main() -> int:
    changed = [str(p) for p, lang in pages() if sync(p, lang)]
    print("\n".join(f"rewrote {p}" for p in changed) or "every shared text is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
