"""Plain-language hints for values typed the way people type them, not the way YAML reads them.

Two families of mistakes get a message of their own instead of a generic one:

- Full-width characters from a Chinese input method (`：` for `:`, `２.５` for `2.5`, a
  full-width space in an indent). YAML sees only unknown text, so its own message ("could
  not find expected ':'") points past the real mistake. Each character is named with its
  ASCII replacement: "full-width colon '：' (U+FF1A): use ':'".
- Numbers written as in prose: `80%`, `10k`, `1,000`, `1.5万`, or a word such as `high`.

Only full-width *forms* are named (U+FF01-U+FF5E, the ideographic space, comma and full
stop); Chinese text itself (descriptions, comments) is never a mistake.
"""

from __future__ import annotations

import re
import unicodedata

from simulation.numbers import format_number

# Characters an input method types in place of ASCII, with the ASCII they stand for.
_EXTRA_FORMS = {"\u3000": " ", "\u3001": ",", "\u3002": "."}
_NAMES = {"\u3000": "full-width space", "\u3001": "Chinese enumeration comma",
          "\u3002": "Chinese full stop"}
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Keys whose values are free text: full-width punctuation there is ordinary Chinese.
TEXT_KEYS = ("name", "description", "description_zh")


def is_fullwidth_form(ch: str) -> bool:
    return "\uff01" <= ch <= "\uff5e" or ch in _EXTRA_FORMS


def ascii_of(ch: str) -> str:
    """The ASCII character a full-width form stands for."""
    return _EXTRA_FORMS.get(ch) or chr(ord(ch) - 0xFEE0)


def to_ascii(text: str) -> str:
    """`text` with every full-width form replaced by its ASCII character."""
    return "".join(ascii_of(c) if is_fullwidth_form(c) else c for c in text)


def fullwidth_forms(text: str) -> list[str]:
    """The distinct full-width forms in `text`, in order of first appearance."""
    return list(dict.fromkeys(c for c in text if is_fullwidth_form(c)))


def describe(ch: str) -> str:
    """"full-width colon '：' (U+FF1A): use ':'"."""
    name = _NAMES.get(ch)
    if name is None:
        name = unicodedata.name(ch, "").lower().replace("fullwidth ", "full-width ")
        name = name.replace("hyphen-minus", "minus sign")
    return f"{name} {ch!r} (U+{ord(ch):04X}): use {ascii_of(ch)!r}"


def fullwidth_message(text: str, upper: float | None = None) -> str | None:
    """Every full-width form in `text` named with its replacement, or None if there is none.

    When the text becomes a number once they are replaced, the number is given too; when
    it becomes a number written as in prose (`2,5`), what to write instead."""
    chars = fullwidth_forms(text)
    if not chars:
        return None
    message = "; ".join(describe(c) for c in chars)
    plain = to_ascii(text).strip()
    if _as_number(plain) is not None:
        return message + f" (write {plain})"
    if _as_number(plain.strip("()[]{} ")) is not None:  # `（2.5）`: no brackets either
        return message + f" (write {plain.strip('()[]{} ')})"
    hint = number_hint(plain, upper)
    if hint is not None and hint != "remove the quotes":
        message += f"; then {hint}"
    return message


def first_fullwidth_offset(text: str) -> int | None:
    """Offset of the first full-width form in `text`, or None."""
    for i, c in enumerate(text):
        if is_fullwidth_form(c):
            return i
    return None


# ------------------------------------------------------------------ raw lines


def fullwidth_lines(text: str) -> list[tuple[int, str]]:
    """(line, message) for the full-width forms that sit where YAML structure goes.

    Used when a file does not parse, to name the character that broke it. Comments, the
    values of free-text keys (and their continuation lines) and anything after the first
    Chinese ideograph on a line are prose and are left alone."""
    hits: list[tuple[int, str]] = []
    text_indent: int | None = None  # inside a free-text value indented deeper than this
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _without_comment(raw)
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if not stripped:
            continue
        if text_indent is not None:
            if indent > text_indent:
                continue
            text_indent = None
        key = re.match(r"(\s*)(-\s+)?([A-Za-z_][\w.-]*)\s*:(\s|$)", line)
        if key and key.group(3) in TEXT_KEYS:
            text_indent = len(key.group(1))
            continue
        prose = _IDEOGRAPH.search(line)
        structural = line[:prose.start()] if prose else line
        chars = fullwidth_forms(structural)
        if chars:
            hits.append((number, "; ".join(describe(c) for c in chars)))
    return hits


def _without_comment(line: str) -> str:
    """The line before a `#` comment (a `#` at the start or after a space)."""
    m = re.search(r"(^|\s)#", line)
    return line[:m.start()] if m else line


# ------------------------------------------------------------------ numbers in prose

_SCALE = {"k": 1_000, "K": 1_000, "千": 1_000, "万": 10_000, "m": 1_000_000,
          "M": 1_000_000, "百万": 1_000_000}
_WORDS = re.compile(r"[A-Za-z\u3400-\u9fff][\w\s-]*")


def _as_number(text: str) -> float | None:
    """The number YAML would read from `text` (ASCII only: Python also reads '２')."""
    if not text.isascii():
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _num(x: float) -> str:
    """A number as the file should hold it (no thousands separators)."""
    return format_number(x, grouped=False)


def number_hint(text: str, upper: float | None = None) -> str | None:
    """What to write instead of a number typed as text, or None if there is no better
    hint than the generic one.

    `upper` is the field's largest allowed value: a percentage for a field that stops at 1
    is a share, so `80%` becomes 0.8."""
    plain = text.strip()
    m = re.fullmatch(r"([-+]?\d+(?:\.\d+)?)\s*%", plain)
    if m:
        value = float(m.group(1))
        if upper is not None and upper <= 1:
            return f"write {_num(value / 100)}, not {plain} (shares are numbers from 0 to 1)"
        return f"write {_num(value)} without the '%'"
    m = re.fullmatch(r"([-+]?\d+(?:\.\d+)?)\s*(k|K|千|万|m|M|百万)", plain)
    if m:
        value = float(m.group(1)) * _SCALE[m.group(2)]
        return f"write {_num(value)}, not {plain}"
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", plain):
        return f"write {plain.replace(',', '')}, without the thousands separators"
    if re.fullmatch(r"[-+]?\d+,\d+", plain):
        return f"write {plain.replace(',', '.')}, with '.' as the decimal point"
    if _as_number(plain) is not None:
        return "remove the quotes"
    return None


def is_word(text: str) -> bool:
    """True for a word or words (`high`, `very high`, `高`), not for digits and signs."""
    return bool(_WORDS.fullmatch(text.strip()))
