"""Shared helpers for the model tests: small scenarios, runs, and instrumented runs.

Every model test uses a county of 2,000 residents (8 grids, 2 communities, 1 town) unless
it says otherwise, so that one run of 104 weeks takes a fraction of a second.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from simulation.model import CoGovernanceModel
from simulation.scenario.loader import load_scenario, with_values
from simulation.scenario.schema import Scenario


def load_script(relative_path: str) -> ModuleType:
    """A script of the repository (not a package module), e.g. "scripts/factorial_did.py",
    imported from its file so its functions can be tested."""
    path = Path(__file__).resolve().parents[1] / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

SMALL_RESIDENTS = 2_000
SEEDS = (11, 12, 13, 14, 15, 16)  # the paired seeds of the lever tests


def page_workers() -> set[threading.Thread]:
    """The threads running a browser-view page's worker (`viz.page.Session.worker`)."""
    frames = sys._current_frames()
    found = set()
    for thread in threading.enumerate():
        frame = frames.get(thread.ident)
        while frame is not None:
            code = frame.f_code
            if code.co_name == "worker" and code.co_filename.endswith("page.py"):
                found.add(thread)
                break
            frame = frame.f_back
    return found


@pytest.fixture(autouse=True)
def no_page_left_open():
    """A test that draws the page closes it (`rc.close()`): a page left open keeps its
    worker, which goes on redrawing and answering events, in the same process as the
    tests that come after it (two page workers once took a file drop meant for another
    page). Its worker gets a few seconds to stop after the test."""
    before = page_workers()
    yield
    deadline = time.monotonic() + 15.0
    while (left := page_workers() - before) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, (f"this test left {len(left)} page(s) open: close the render "
                      "context from solara.render (rc.close())")


def small_scenario(updates: Mapping[str, Any] | None = None, /, **more: Any) -> Scenario:
    """The bundled default scenario (with its calibrated values) at 2,000 residents,
    with dotted-path changes: so the mechanism tests hold for the calibrated model.

    Changes are given as a mapping (``small_scenario({"levers.rule_of_law.enforcement":
    0.0})``) or as keywords, where a dotted key needs ``**{...}``; later ones win.

    No warm-up unless asked for (``run.warmup_weeks``): a mechanism test starts from the
    set-up cross-section, where the dispute pool and every counter begin together. The
    warm-up has its own tests (test_windows.py).
    """
    values: dict[str, Any] = {"population.residents": SMALL_RESIDENTS, "run.warmup_weeks": 0}
    values.update(updates or {})
    values.update(more)
    return with_values(load_scenario("default"), values)


def run(
    scenario: Scenario,
    seed: int,
    steps: int,
    *,
    each_step: Callable[[CoGovernanceModel], None] | None = None,
    setup: Callable[[CoGovernanceModel], None] | None = None,
    **model_kwargs: Any,
) -> CoGovernanceModel:
    """Build a model and step it `steps` times.

    Args:
        scenario: the scenario to run.
        seed: the model's seed.
        steps: weeks to run.
        each_step: called with the model after every step (checks, recordings).
        setup: called with the model once, after it is built and before the first step
            (to install instrumentation).
        model_kwargs: passed to `CoGovernanceModel` (e.g. ``scenario_dir``).
    """
    model = CoGovernanceModel(scenario, rng=seed, **model_kwargs)
    if setup is not None:
        setup(model)
    for _ in range(steps):
        model.step()
        if each_step is not None:
            each_step(model)
    return model


def sorted_edges(model: CoGovernanceModel) -> list[tuple[int, int]]:
    """The social layer's edges as sorted (low, high) pairs."""
    return sorted((min(u, v), max(u, v)) for u, v in model.network.social.edges())


def seed_means(values: Iterable[float]) -> float:
    """Mean over seeds that refuses NaN (a lever test must measure something)."""
    arr = np.asarray(list(values), dtype=np.float64)
    assert arr.size > 0 and np.all(np.isfinite(arr)), f"non-finite per-seed values: {arr}"
    return float(arr.mean())


class HandoffLog:
    """Records every hand-off the ladder makes: its target rung and whether it was lost.

    Installed on one model by wrapping its ladder's `send` (the ladder calls `self.send`,
    so the instance attribute takes precedence); hand-offs are sends with a `source`.
    """

    def __init__(self, model: CoGovernanceModel) -> None:
        self.level: list[int] = []
        self.lost: list[bool] = []
        self.first_intake_weeks: list[int] = []  # weeks from arising to first intake
        self.first_intake_digital: list[bool] = []
        ladder = model.ladder
        original = ladder.send

        def send(case: int, level: Any, **kw: Any) -> None:
            before = ladder.handoffs_lost
            if kw.get("source") is None:
                pool = model.disputes
                self.first_intake_weeks.append(int(model.week - pool.arose[case]))
                self.first_intake_digital.append(
                    bool(model.residents.digital[pool.party[case]]))
            original(case, level, **kw)
            if kw.get("source") is not None:
                self.level.append(int(level))
                self.lost.append(ladder.handoffs_lost > before)

        ladder.send = send  # type: ignore[method-assign]

    def loss_rate(self, level: int | None = None) -> tuple[int, int]:
        """(lost, hand-offs) to `level`, or to any rung."""
        lv = np.asarray(self.level)
        lost = np.asarray(self.lost, dtype=bool)
        sel = np.ones(len(lv), dtype=bool) if level is None else lv == level
        return int(lost[sel].sum()), int(sel.sum())
