"""Mutation score per module from mutmut's results in mutants/ (after a mutmut run).

Killed counts mutants a test caught, timeouts included (a mutant that hangs the model
is caught by the time limit); "no tests" are mutants in code that no selected test
reaches. Usage: .venv/bin/python scripts/mutation_score.py [--survivors]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

KILLED = {1, 3, 24, -24, 36, 152, 255}  # a failing test, a pytest error, or a timeout
SURVIVED = {0}
NO_TESTS = {5, 33}


def main() -> int:
    root = Path(__file__).resolve().parents[1] / "mutants"
    metas = sorted(root.rglob("*.py.meta"))
    if not metas:
        print("no results: run scripts/mutation-test.sh first", file=sys.stderr)
        return 1
    rows, survivors = [], []
    total = Counter()
    for meta in metas:
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if not codes:
            continue
        c = Counter()
        for name, code in codes.items():
            kind = ("killed" if code in KILLED else "survived" if code in SURVIVED
                    else "no tests" if code in NO_TESTS else "not run" if code is None
                    else "other")
            c[kind] += 1
            if kind == "survived":
                survivors.append(name)
        total += c
        rows.append((str(meta.relative_to(root))[:-len(".meta")], c, len(codes)))
    print(f"{'module':<40} {'killed':>7} {'survived':>9} {'no tests':>9} {'not run':>8}"
          f" {'total':>6} {'score':>7}")
    for name, c, n in [*rows, ("all", total, sum(total.values()))]:
        tested = c["killed"] + c["survived"]
        score = f"{100 * c['killed'] / tested:.1f}%" if tested else "—"
        print(f"{name:<40} {c['killed']:>7} {c['survived']:>9} {c['no tests']:>9}"
              f" {c['not run']:>8} {n:>6} {score:>7}")
    print("\nscore = killed / (killed + survived); mutants no selected test reaches are "
          "listed apart")
    if "--survivors" in sys.argv:
        print("\n".join(["", "survivors:", *survivors]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
