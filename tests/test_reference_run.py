"""The model reproduces the stored reference run bit for bit (see tests/reference_run.py).

If this fails after a change that was meant to move results, regenerate the table with
`.venv/bin/python -m tests.reference_run --write` and say why in the commit message.
"""

from __future__ import annotations

import json

from tests.reference_run import PATH, compute, differences


def test_reference_run_is_unchanged() -> None:
    diff = differences(json.loads(PATH.read_text()), compute())
    assert not diff, (
        "the model no longer reproduces the reference run:\n  " + "\n  ".join(diff[:40])
        + "\nIf the change is intended, run `.venv/bin/python -m tests.reference_run --write`"
        " and explain it in the commit message."
    )


def test_differences_reports_a_changed_value_and_accepts_nan() -> None:
    stored = {"a/1": {"x": 1.0, "y": float("nan")}}
    assert differences(stored, {"a/1": {"x": 1.0, "y": float("nan")}}) == []
    assert differences(stored, {"a/1": {"x": 1.0000000001, "y": float("nan")}}) == [
        "a/1 x: stored 1.0, now 1.0000000001"]
