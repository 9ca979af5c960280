"""`cogov validate`, `cogov params` and `cogov schema`: scenario files and parameters."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic_core import PydanticUndefined

from cli.common import EXIT_INPUT, add_force, print_notes
from experiments.outputs import prepare_file, writing_files
from simulation.numbers import format_number
from simulation.scenario import (
    ParameterSpec,
    iter_parameters,
    load_scenario_file,
    validate_files,
)
from simulation.scenario.schema import iter_event_fields


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check scenario files; exit 0 only if all are valid")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("params", help="list every parameter with its prior, calibrated "
                       "value, range and unit")
    p.add_argument("--json", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true", help="meaning and source too")
    p.set_defaults(func=cmd_params)

    p = sub.add_parser("schema", help="write the JSON schema of scenario files")
    p.add_argument("--out", default=None,
                   help="path (default scenarios/scenario.schema.json)")
    add_force(p)
    p.set_defaults(func=cmd_schema)


def cmd_validate(args: argparse.Namespace) -> int:
    results = validate_files(args.files)
    bad = 0
    for path, problems in results.items():
        if problems:
            bad += 1
            for p in problems:
                print(p.format(), file=sys.stderr)
        else:
            print(f"{path}: ok")
            print_notes(path, load_scenario_file(Path(path), shown=path))
    if bad:
        print(f"{bad} of {len(results)} file(s) have problems", file=sys.stderr)
    return EXIT_INPUT if bad else 0


def cmd_params(args: argparse.Namespace) -> int:
    specs = iter_parameters()
    if args.json:
        print(json.dumps([s.__dict__ for s in specs], indent=2, ensure_ascii=False,
                         default=str))
        return 0
    print(f"{'parameter':<52} {'prior':>10} {'calibrated':>10}  [range] unit")
    for s in specs:
        print_parameter(s, args.verbose)
    if args.verbose:
        print(EVENTS_HELP)
        for s in iter_event_fields():
            print_parameter(s, True, source=False)
    return 0


EVENTS_HELP = """
Events: two lists in a scenario file, each entry with the fields below.
  schedules: reform ramps. Each moves one lever linearly from its value in force at
    start_week to `to` at end_week, and holds it there. Ramps apply in the order listed.
  shocks: each is in force from `week` for duration_weeks weeks and hits only its group.
A run steps through weeks 1 to run.steps: a shock or ramp wholly outside them has no
effect, and `cogov validate`, `run` and `compare` say so in a note. Example:
  schedules:
    - {parameter: levers.party_leadership.cell_coverage, start_week: 0, end_week: 260, to: 1.0}
  shocks:
    - {kind: income, group: migrant, week: 104, duration_weeks: 26, magnitude: 0.3}
(scenarios/reform_party_cells.yaml and scenarios/factory_closure.yaml use them.)
"""


def print_parameter(s: ParameterSpec, verbose: bool, source: bool = True) -> None:
    """One line per parameter: its prior, its calibrated value (blank if it has none), its
    range and unit; with `verbose` its meaning, source and what it was fitted to."""
    rng = (f"{format_number(s.minimum, grouped=False)}..{format_number(s.maximum, grouped=False)}"
           if s.minimum is not None and s.maximum is not None
           else "/".join(s.choices) or s.kind)
    prior = "required" if s.prior is PydanticUndefined else _value(s.prior)
    calibrated = _value(s.default) if s.calibrated else ""
    print(f"{s.path:<52} {prior:>10} {calibrated:>10}  [{rng}] {s.unit}".rstrip())
    if verbose:
        label = f"{s.label_zh} — " if s.label_zh else ""
        fitted = (f" Calibrated against {', '.join(s.calibrated_against)}."
                  if s.calibrated else "")
        print(f"    {label}{s.meaning}" + (f" Source: {s.source}." if source else "")
              + fitted)


def _value(value: object) -> str:
    return format_number(value, grouped=False) if value is not None else "none"


def cmd_schema(args: argparse.Namespace) -> int:
    from simulation.scenario.jsonschema import SCHEMA_PATH, is_schema_file, schema_text

    target = prepare_file(Path(args.out) if args.out else SCHEMA_PATH,
                          is_ours=is_schema_file, what="scenario JSON schema",
                          force=args.force)
    with writing_files(target):
        target.temp.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {target.final}")
    return 0
