"""Sweep throughput: runs per minute on 1 and on 2 workers, and the parallel efficiency.

Run: .venv/bin/python benchmarks/sweep_throughput.py [--runs 36] [--residents 5000]
     [--steps 104] [--workers 1 2] [--fork-server]

Each measurement sweeps a fresh store through `run_sweep`, exactly as `cogov sweep` does
(process pool, per-run DuckDB commits), so the figure includes the pool's start-up, the
scenario building on the workers and the store writes, not just the model. With
`--workers 1` the runs go in this process. Parallel efficiency = (rate on N workers) /
(N x rate on 1 worker); on a machine shared with other work it is lower than the
hardware allows, so the load average (/proc/loadavg: 1, 5 and 15 minutes) is printed
before and after each measurement. The per-run time each worker measured separates the
two causes of lost efficiency: runs slowing down when cores are shared (memory
bandwidth, turbo, other work), and the sweep's own overhead per run: the time of N
workers over the sweep's wall time not spent in a run (pool start-up, shipping tasks
and results, store writes), divided by the runs. `--fork-server` starts the workers as a
process with a second thread must (from a fork server), the baseline of the forked pool.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent
if str(_REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(_REPO_ROOT))

EXPERIMENT = """\
description: sweep throughput benchmark
base: default
set:
  population.residents: {residents}
factors:
  levers.rule_of_law.enforcement:
    levels: [0.1, 0.5, 0.9]
  levers.self_governance.councils:
    levels: [0.2, 0.8]
design: full_factorial
replications: {replications}
steps: {steps}
seed: 1
"""


def measure(workers: int, folder: Path, text: str, tag: str
            ) -> tuple[float, int, int, float, float, str]:
    """(wall seconds, runs, failed runs, mean seconds of one run as its worker timed it,
    CPU seconds of this process, how the pool started its workers)."""
    from experiments import pool
    from experiments.design import load_experiment
    from experiments.store import read_store
    from experiments.sweep import run_sweep

    path = folder / f"bench_{tag}.yaml"
    path.write_text(text, encoding="utf-8")
    exp = load_experiment(path)
    store = folder / f"bench_{tag}.duckdb"
    how = ("forked from this process" if pool.fork_is_safe_here()
           else "from a fork server, with this process running runs until one is ready")
    start, cpu = time.perf_counter(), time.process_time()
    report = run_sweep(exp, store, workers=workers, progress=False)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    per_run = float(read_store(store)[1].duration_s.mean())
    return seconds, report.ran, report.failed, per_run, cpu, how


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages, as /proc/loadavg gives them."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=36, help="runs per measurement (rounded "
                        "up to a multiple of the 6 design points)")
    parser.add_argument("--residents", type=int, default=5000)
    parser.add_argument("--steps", type=int, default=104, help="weeks per run")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--fork-server", action="store_true",
                        help="start the workers from a fork server, as where this process "
                        "cannot fork them (a thread running): the baseline of the forked pool")
    args = parser.parse_args(argv)
    if args.fork_server:
        import experiments.pool

        experiments.pool.fork_is_safe_here = lambda: False
    reps = max(1, math.ceil(args.runs / 6))
    text = EXPERIMENT.format(residents=args.residents, replications=reps, steps=args.steps)
    print(f"sweep throughput: {6 * reps} runs of {args.residents:,} residents x {args.steps} "
          f"weeks per measurement; {os.cpu_count()} CPUs")
    rates: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.workers:
            before = load_average()
            seconds, ran, failed, per_run, cpu, how = measure(n, Path(tmp), text, f"w{n}")
            rates[n] = ran / seconds * 60
            overhead = n * seconds / ran - per_run  # worker time per run not in a run
            print(f"  {n} worker(s): {ran} runs in {seconds:6.1f} s = {rates[n]:7.1f} runs per "
                  f"minute; one run takes {per_run:.2f} s on its worker; overhead "
                  f"{overhead * 1000:.0f} ms per run ({overhead / per_run:.0%} of a run)"
                  + (f"; workers {how}; the sweep process used {cpu:.1f} s of CPU"
                     if n > 1 else "")
                  + (f" ({failed} failed)" if failed else "")
                  + f"; load average {before} before, {load_average()} after")
    if 1 in rates:
        for n, rate in rates.items():
            if n > 1:
                print(f"  parallel efficiency on {n} workers: {rate / (n * rates[1]):.0%} "
                      f"(speed-up {rate / rates[1]:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
