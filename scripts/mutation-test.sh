#!/usr/bin/env bash
# Mutation testing of the model core (simulation/) and experiments/stats.py with mutmut.
# On demand only: neither ./run-tests nor CI runs it.
#
# mutmut changes one small thing at a time in a copy of the code (mutants/): a + for a
# -, a constant off by one, a condition negated, a line dropped. Each change ("mutant")
# should make some test fail. A mutant that survives the tests is either a gap in the
# tests or a change that makes no difference (an equivalent mutant). The tests run for
# each mutant are the selection in [tool.mutmut] of pyproject.toml, and of those only
# the ones that reach the changed function.
#
#   scripts/mutation-test.sh                          # every module (many hours, see below)
#   scripts/mutation-test.sh 'simulation.metrics.*'   # one module's mutants
#   scripts/mutation-test.sh 'simulation.ladder.*' 'experiments.stats.*'
#
# Afterwards: per-module score with `.venv/bin/python scripts/mutation_score.py
# [--survivors]`; a survivor's change with `.venv/bin/mutmut show NAME`; all of them in
# a browser-like terminal view with `.venv/bin/mutmut browse`. Results stay in mutants/
# (ignored by git): a later run tests only mutants of functions that changed, unless
# names or patterns are given, which are always run again.
#
# Duration, measured on one worker of a shared 2-core machine (load about 2): finding
# which tests reach which function takes about 2 minutes on the first run; then
# experiments/stats.py (185 mutants) takes 4 minutes, simulation/queueing.py (140) 4,
# levers.py (198) 7, metrics.py (512) 17, metrics_core.py (452) about 20, ladder.py
# (442) over an hour (55% in the first 18 minutes: the mutants of functions every step
# calls come last and are slowest, since every model test reaches them), and model.py
# (1,022) several hours. All of simulation/ (about 5,700 mutants, over 1,500 of them in
# simulation/scenario/, which reads and checks scenario files) takes most of a day.
# MUTATION_WORKERS=2 runs two mutants at a time, for a machine with cores to spare.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
cogov_ensure_venv dev
if ! "$COGOV_VENV/bin/python" -c "import mutmut" 2>/dev/null; then
    echo "Installing mutmut into .venv (the 'mutation' extra) ..." >&2
    "$COGOV_VENV/bin/python" -m pip install --disable-pip-version-check -qq -e ".[dev,mutation]"
fi
"$COGOV_VENV/bin/mutmut" run --max-children "${MUTATION_WORKERS:-1}" "$@"
"$COGOV_VENV/bin/python" scripts/mutation_score.py
