"""The one number formatter: values as a reader expects them, in messages, tables,
reports and the docs.

Two kinds of number are shown. A *declared* value (a default, a bound, a level, a value
typed in a file) is shown exactly as written, with thousands separated: 10,000 / 0.665 /
1e-06 / 54,188. A *measured* value (an outcome of runs, a mean, an interval) is shown to
the precision a table can hold: counts and yuan as whole numbers, values of 100 or more
with one decimal, smaller ones with three. A missing value (None, NaN) is "—".
"""

from __future__ import annotations

import math
from typing import Any

MISSING = "—"


def format_number(value: Any, unit: str = "", *, measured: bool = False,
                  grouped: bool = True) -> str:
    """`value` as text (see the module docstring).

    Args:
        value: a number; anything else is shown with str() (a choice, a name).
        unit: the value's unit; a measured value in yuan is shown as a whole number, and a
            measured value without a unit that is whole is shown as a count.
        measured: a result of runs (fixed precision) rather than a declared value (exact).
        grouped: thousands separated (10,000); False gives what a file would hold (10000).
    """
    if value is None:
        return MISSING
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    x = float(value)
    if math.isnan(x):
        return MISSING
    comma = "," if grouped else ""
    if not measured:
        if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
            return f"{int(x):{comma}}"
        return f"{x:g}"
    if not unit and x.is_integer():
        return f"{int(x):{comma}}"  # a count
    if unit.startswith("yuan") or abs(x) >= 1000:
        return f"{x:{comma}.0f}"
    if abs(x) >= 100:
        return f"{x:.1f}"
    return f"{x:.3f}"
