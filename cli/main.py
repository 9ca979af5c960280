"""The `cogov` command line (also `python -m cli`): the parser and the entry point.

Subcommands: run, compare, validate, new, diff, params, schema, sweep, analyze, targets,
calibrate, robustness, frontiers, app. Every parameter can be set from the command line
with `--set PATH=VALUE`, by the dotted names declared in the scenario type. Bad input gets
a plain message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from cli import app, compare, frontiers, robustness, run, scenario, sweep, targets
from cli.common import (
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    MAX_REPS,
    MAX_SEED,
    MAX_STEPS,
)
from experiments.outputs import OutputError
from experiments.pool import StopRequested, stop_signals
from simulation import __version__
from simulation.network import NetworkFileError
from simulation.scenario import ScenarioError, bundled_names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cogov",
        description="Simulate multi-actor co-governance (共建共治共享): how mixes of "
        "self-governance, rule of law, rule of virtue and smart governance, led by party "
        "cells, change dispute resolution and welfare spread.",
        epilog="Bundled scenarios: " + ", ".join(bundled_names()),
    )
    parser.add_argument("--version", action="version", version=f"cogov {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run.add_parser(sub)
    compare.add_parser(sub)
    scenario.add_parsers(sub)
    sweep.add_parsers(sub)
    targets.add_parsers(sub)
    robustness.add_parser(sub)
    frontiers.add_parser(sub)
    app.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.argv = argv
    for name, most in (("reps", MAX_REPS), ("steps", MAX_STEPS), ("workers", None)):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            parser.error(f"--{name} must be at least 1, got {value}")
        if value is not None and most is not None and value > most:
            parser.error(f"--{name} must be at most {most:,}, got {value:,}"
                         + (" (the bound of run.steps, weeks)" if name == "steps" else
                            "; for more seeds, run a sweep (cogov sweep)"))
    seed = getattr(args, "seed", None)
    if seed is not None and not 0 <= seed <= MAX_SEED:
        parser.error(f"--seed must be a whole number from 0 to {MAX_SEED:,}, got {seed}")
    port = getattr(args, "port", None)
    if port is not None and not 1 <= port <= 65_535:
        parser.error(f"--port must be a whole number from 1 to 65535, got {port}")
    try:
        with stop_signals():
            return int(args.func(args) or 0)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem.format(), file=sys.stderr)
        return EXIT_INPUT
    except NetworkFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except OutputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except StopRequested:
        print("terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
