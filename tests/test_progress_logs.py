"""Progress bars go to terminals only: a sweep logged to a file or a pipe gets plain lines."""

from __future__ import annotations

import io
from pathlib import Path

from experiments.design import load_experiment
from experiments.sweep import run_sweep

TINY = """\
description: two tiny runs
base: default
set:
  population.residents: 300
factors:
  levers.rule_of_law.enforcement:
    levels: [0.1, 0.9]
design: full_factorial
replications: 1
steps: 2
seed: 3
outcomes: [trust]
"""


def test_a_sweep_logged_to_a_file_has_plain_progress_lines(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    log = io.StringIO()  # not a terminal, like `cogov sweep ... 2> sweep.log`
    report = run_sweep(load_experiment(path), tmp_path / "tiny.duckdb", workers=1,
                       progress=True, log=log)
    assert report.ran == 2 and report.failed == 0
    text = log.getvalue()
    assert "run/s" not in text and "%|" not in text and "\r" not in text, text
    assert text.splitlines()[-1] == "tiny: 2/2 runs stored, 0 failed"
