"""Wall time, build time, stepping time and peak memory of `cogov run` by county size.

Run: .venv/bin/python benchmarks/scale.py            (10,000, 100,000 and 1,000,000 residents)
     .venv/bin/python benchmarks/scale.py --sizes 100000 --repeat 3

Each size runs `cogov run default --set population.residents=N` in a process of its own,
through the installed `cogov` command's entry point, exactly as a user runs it (outputs
go to a temporary folder). Inside that process the model's set-up (`CoGovernanceModel`'s
constructor, which includes the warm-up's weeks, 52 by default) and its weekly steps are
timed; the rest of the wall time is starting Python, imports, the summary and writing the
outputs. Peak memory is the process's maximum resident set size. The load average is
printed beside every figure: the machine is shared, and a run on a loaded machine takes
longer.

The baseline measured in the same run is Mesa's own `virus_on_network` example at the
smallest size (its stepping only, as in `benchmarks/throughput.py`): each size's
agent-steps per second is given as a multiple of the example's. Larger sizes have no
example baseline (its graph generator is quadratic in the number of nodes).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
_REPO_ROOT = _HERE.parent
for path in (_REPO_ROOT, _HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
# The project's targets for a five-year run (260 weeks) through `cogov run`, in seconds
# of wall time and MiB of peak memory, by size.
TARGETS: dict[int, dict[str, float]] = {
    100_000: {"wall_s": 20.0},
    1_000_000: {"wall_s": 90.0, "peak_rss_mib": 1.5 * 1024},
}

# Runs inside the child process: time the model's constructor and steps, then hand over
# to the `cogov` command's own entry point with the given arguments.
_CHILD = r"""
import json, sys, time
from importlib.metadata import entry_points
from simulation.model import CoGovernanceModel

out_path, argv = sys.argv[1], sys.argv[2:]
timing = {"build_s": 0.0, "step_s": 0.0, "steps": 0, "residents": 0}
init, step = CoGovernanceModel.__init__, CoGovernanceModel.step

def timed_init(self, *args, **kwargs):
    t0 = time.perf_counter()
    init(self, *args, **kwargs)
    timing["build_s"] += time.perf_counter() - t0
    timing["residents"] = int(self.n_residents)

def timed_step(self):
    if self.warming_up:  # the warm-up's weeks run inside the constructor: set-up time
        return step(self)
    t0 = time.perf_counter()
    step(self)
    timing["step_s"] += time.perf_counter() - t0
    timing["steps"] += 1

CoGovernanceModel.__init__ = timed_init
CoGovernanceModel.step = timed_step
(cogov,) = [e for e in entry_points(group="console_scripts") if e.name == "cogov"]
sys.argv = ["cogov", *argv]
code = cogov.load()()  # as the installed command calls it: arguments from sys.argv
with open(out_path, "w") as f:
    json.dump(timing, f)
sys.exit(code)
"""


def load_average() -> float:
    return os.getloadavg()[0]


def run_size(residents: int, steps: int | None, seed: int) -> dict[str, Any]:
    """One `cogov run` of the default scenario at `residents`, in a process of its own."""
    with tempfile.TemporaryDirectory(prefix="cogov-scale-") as tmp:
        timing_file = Path(tmp) / "timing.json"
        argv = ["run", "default", "--set", f"population.residents={residents}",
                "--seed", str(seed), "--out", str(Path(tmp) / "out"), "--json"]
        if steps is not None:
            argv += ["--steps", str(steps)]
        out_file, err_file = Path(tmp) / "stdout", Path(tmp) / "stderr"
        load_before = load_average()
        t0 = time.perf_counter()
        with out_file.open("w") as out, err_file.open("w") as err:
            pid = os.posix_spawn(sys.executable,
                                 [sys.executable, "-c", _CHILD, str(timing_file), *argv],
                                 dict(os.environ), file_actions=[
                                     (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                                     (os.POSIX_SPAWN_DUP2, err.fileno(), 2)])
            _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise RuntimeError(f"cogov run failed ({code}):\n{err_file.read_text()[-2000:]}")
        timing = json.loads(timing_file.read_text())
        summary = json.loads(out_file.read_text())
    return {
        "residents": residents,
        "weeks": timing["steps"],
        "wall_s": wall,
        "build_s": timing["build_s"],
        "step_s": timing["step_s"],
        "other_s": wall - timing["build_s"] - timing["step_s"],
        "peak_rss_mib": usage.ru_maxrss / 1024,  # Linux: KiB
        "agent_steps_per_s": residents * timing["steps"] / timing["step_s"],
        "load_before": load_before,
        "load_after": load_average(),
        "resolution_rate": summary["resolution_rate"],
    }


def bench_example_baseline(nodes: int, seed: int) -> dict[str, Any]:
    """Mesa's virus_on_network at `nodes` (stepping only), as benchmarks/throughput.py runs it."""
    import throughput

    return throughput.bench_example(nodes, steps=20, warmup=2, seed=seed)


def print_table(rows: list[dict[str, Any]], example: dict[str, Any] | None) -> None:
    header = ("residents", "weeks", "wall s", "build s", "step s", "other s", "peak MiB",
              "agent-steps/s", "x example", "load", "targets")
    cells = []
    for r in rows:
        ratio = (f"{r['agent_steps_per_s'] / example['agent_steps_per_s']:.1f}x"
                 if example is not None else "-")
        verdicts = []
        for key, most in TARGETS.get(r["residents"], {}).items():
            unit = "s" if key.endswith("_s") else " MiB"
            verdicts.append(f"{'PASS' if r[key] < most else 'MISS'} <{most:g}{unit}")
        cells.append((
            f"{r['residents']:,}", str(r["weeks"]), f"{r['wall_s']:.1f}", f"{r['build_s']:.2f}",
            f"{r['step_s']:.1f}", f"{r['other_s']:.1f}", f"{r['peak_rss_mib']:,.0f}",
            f"{r['agent_steps_per_s']:,.0f}", ratio,
            f"{r['load_before']:.1f}-{r['load_after']:.1f}", ", ".join(verdicts) or "-",
        ))
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for c in cells:
        print("  ".join(v.rjust(w) for v, w in zip(c, widths, strict=True)))
    if example is not None:
        print(f"baseline: Mesa's virus_on_network at {example['nodes']:,} nodes, "
              f"{example['agent_steps_per_s']:,.0f} agent-steps/s while stepping "
              f"({example['steps']} steps), measured in this run")
    print("wall: the whole `cogov run` process; other: Python start-up, imports, the summary "
          "and writing outputs; load: the 1-minute load average before and after")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog="Exit status 0 when every target is met, 2 if not.")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES),
                        help="residents (default: 10,000, 100,000 and 1,000,000)")
    parser.add_argument("--steps", type=int, default=None,
                        help="weeks (default: the scenario's run.steps, 260)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (default 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-example", action="store_true",
                        help="skip the Mesa example baseline")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args(argv)

    rows = [run_size(n, args.steps, args.seed)
            for n in sorted(args.sizes) for _ in range(args.repeat)]
    example = None
    if not args.no_example:
        example = bench_example_baseline(min(args.sizes), args.seed)
    missed = any(r[key] >= most for r in rows
                 for key, most in TARGETS.get(r["residents"], {}).items()
                 if r["weeks"] == 260)
    if args.json:
        print(json.dumps({"runs": rows, "example": example}, indent=2))
    else:
        print_table(rows, example)
    return 2 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
