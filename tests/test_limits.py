"""Oversized requests are refused with a message before anything is allocated or run.

Run counts, seeds per scenario, weeks: each has a declared bound, checked arithmetically
before a design is expanded or a run submitted; and runs are submitted a few at a time,
never all at once.
"""

from __future__ import annotations

import contextlib
import io
from concurrent.futures import Executor, Future
from pathlib import Path

import pytest

from cli.common import MAX_REPS
from cli.main import main
from experiments.pool import IN_FLIGHT_PER_WORKER
from experiments.runner import map_runs
from simulation.scenario import parameter_spec


def call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulation.model import CoGovernanceModel

    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail("a model was built although the input was refused")

    monkeypatch.setattr(CoGovernanceModel, "__init__", refuse)


# ------------------------------------------------------------------ command-line bounds


@pytest.mark.parametrize("argv", [
    ["compare", "default", "--reps", "10000000"],
    ["compare", "default", "--reps", str(MAX_REPS + 1)],
    ["targets", "--reps", "10000000"],
])
def test_too_many_seeds_is_refused_before_any_run(no_model: None, argv: list[str]) -> None:
    code, _, err = call(argv)
    assert code == 2
    assert f"--reps must be at most {MAX_REPS:,}" in err and "cogov sweep" in err


@pytest.mark.parametrize("command", ["run", "compare", "targets"])
def test_steps_have_the_bound_of_run_steps(no_model: None, command: str) -> None:
    bound = int(parameter_spec("run.steps").maximum)  # the one declaration of the bound
    argv = [command, "--steps", str(bound + 1)] + ([] if command == "targets" else ["default"])
    code, _, err = call(argv)
    assert code == 2
    assert f"--steps must be at most {bound:,}" in err and "run.steps" in err


def test_a_comparison_that_cannot_be_held_in_memory_is_refused(
        no_model: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from simulation.scenario import memory

    # 2 scenarios x 10,000 seeds, each 12 series of 261 weeks (twice over) and a row of
    # outcomes: 20,000 x (2 x 8 x 12 x 261 + 8,000) bytes = 1.1 GiB, above 0.25 GiB (which
    # holds one run of 10,000 residents).
    monkeypatch.setattr(memory, "memory_limit_bytes", lambda: 2**28)
    code, _, err = call(["compare", "default", "baseline", "--reps", "10000",
                         "--out", str(tmp_path / "out")])
    assert code == 2
    assert "20,000 runs need about 1.1 GiB, more than the 0.2 GiB" in err and "--reps" in err
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ bounded submission


class CountingExecutor(Executor):
    """Runs each task when submitted; records how many were submitted but not yet
    handed back to the caller (in flight)."""

    def __init__(self) -> None:
        self.submitted = 0
        self.handed_back = 0
        self.most_in_flight = 0

    def submit(self, fn, /, *args, **kwargs) -> Future:  # type: ignore[override]
        self.submitted += 1
        self.most_in_flight = max(self.most_in_flight, self.submitted - self.handed_back)
        fut: Future = Future()
        fut.set_result(fn(*args, **kwargs))
        return fut


def test_runs_are_submitted_a_few_per_worker_at_a_time() -> None:
    ex = CountingExecutor()
    results = []
    for item, result in map_runs(abs, list(range(-1000, 0)), workers=2, executor=ex,
                                 progress=False):
        ex.handed_back += 1
        results.append((item, result))
    assert sorted(results) == [(i, -i) for i in range(-1000, 0)]
    assert ex.submitted == 1000
    assert ex.most_in_flight == IN_FLIGHT_PER_WORKER * 2


# ------------------------------------------------------------------ fast rejections


REFUSED = {
    "validate": ["validate", "{bad}"],
    "run": ["run", "{bad}"],
    "compare": ["compare", "default", "{bad}"],
    "compare --reps": ["compare", "default", "--reps", "10000000"],
    "run --steps": ["run", "default", "--steps", "999999"],
    "sweep": ["sweep", "{experiment}"],
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_refusal_does_not_import_the_plotting_stack(tmp_path: Path, case: str) -> None:
    """Rejections stay fast: checking input never imports matplotlib or solara."""
    import subprocess
    import sys

    bad = tmp_path / "bad.yaml"
    bad.write_text("description: x\nlevers:\n  rule_of_law:\n    enforcement: 7\n")
    experiment = tmp_path / "exp.yaml"
    experiment.write_text("factors:\n  levers.rule_of_law.enforcement:\n    low: 0.1\n"
                          "    high: 0.9\n    points: 2000000000\n")
    argv = [a.format(bad=bad, experiment=experiment) for a in REFUSED[case]]
    probe = ("import sys\nfrom cli.main import main\n"
             f"try:\n    code = main({argv!r})\n"
             "except SystemExit as exc:\n    code = exc.code\n"
             "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
             "('matplotlib', 'solara'))\n"
             "print('CODE', code, 'HEAVY', heavy)\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=Path(__file__).parents[1],
                          capture_output=True, text=True, timeout=120)
    assert "CODE 2 HEAVY []" in done.stdout, done.stdout + done.stderr
