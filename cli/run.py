"""`cogov run`: one scenario, its outcomes, and its weekly series written to a folder."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml

from cli.common import (
    add_force,
    add_set,
    fmt,
    load_with_overrides,
    output_folder,
    parse_set,
    print_notes,
)
from experiments.outputs import OutputFolder, safe_name
from simulation import __version__
from simulation.metrics import OUTCOMES
from simulation.scenario import Scenario, scenario_dir
from simulation.scenario.memory import check_fits_in_memory

OUTCOME_UNITS = {o.name: o.unit for o in OUTCOMES}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run one scenario and print its outcomes")
    p.add_argument("scenario", help="bundled scenario name or path to a .yaml file")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--steps", type=int, default=None, help="weeks (default: the scenario's)")
    p.add_argument("--out", default=None, help="output folder (default runs/NAME-seedN)")
    add_force(p)
    p.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    add_set(p)
    p.set_defaults(func=cmd_run)


def write_run_outputs(out: OutputFolder, scenario: Scenario, seed: int, steps: int,
                      summary: dict[str, float], series, argv: list[str]) -> None:
    from experiments.runner import scenario_hash

    series.to_csv(out.path("series.csv"))
    series.to_parquet(out.path("series.parquet"))
    out.path("summary.json").write_text(json.dumps(summary, indent=2, allow_nan=True))
    out.path("scenario.yaml").write_text(
        "# The scenario of this run, every parameter resolved (extends applied).\n"
        + yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False,
                         allow_unicode=True))
    out.path("run.json").write_text(json.dumps({
        "scenario": scenario.name, "seed": seed, "steps": steps,
        "scenario_hash": scenario_hash(scenario), "cogov_version": __version__,
        "command": " ".join(["cogov", *argv]),
    }, indent=2))


def cmd_run(args: argparse.Namespace) -> int:
    from experiments.runner import RunSpec, run_one

    scenario = load_with_overrides(args.scenario, parse_set(args.set))
    check_fits_in_memory(scenario, file=args.scenario)
    steps = args.steps or scenario.run.steps
    print_notes(args.scenario, scenario, steps)
    spec = RunSpec(scenario, args.seed, steps, str(scenario_dir(args.scenario)))
    folder = output_folder(args, Path("runs") / f"{safe_name(scenario.name)}-seed{args.seed}",
                           "run")
    try:
        result = run_one(spec)
    except BaseException:
        folder.discard()
        raise
    with folder.writing():
        write_run_outputs(folder, scenario, args.seed, steps, result.summary, result.series,
                          args.argv)
    out = folder.final
    if args.json:
        print(json.dumps(result.summary, indent=2, allow_nan=True))
        return 0
    print(f"{scenario.name}: seed {args.seed}, {steps} weeks, "
          f"{int(result.summary['residents']):,} residents")
    width = max(len(k) for k in result.summary)
    for key, value in result.summary.items():
        unit = OUTCOME_UNITS.get(key, "")
        print(f"  {key:<{width}}  {fmt(value, unit):>12}  {unit}")
    print(f"time series and scenario written to {out}/")
    return 0
