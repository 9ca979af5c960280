#!/usr/bin/env bash
# The studies behind the findings in README.md, docs/validation.md and
# docs/policy-scenarios.md, in the order they were run, with their seeds and sizes.
# Every study is resumable (`sweep`, `robustness`, `frontiers` keep a DuckDB store and
# resume where they stopped); outputs go under results/studies/ (never over a user's
# files: a destination holding other files is refused).
#
#   scripts/studies.sh            # everything (about 70 minutes on 2 cores)
#   scripts/studies.sh policy     # one part: bundled, targets, factorial, morris,
#                                 # sobol, sobol_levers, robustness, frontiers,
#                                 # enforcement, welfare, policy, warmup
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=results/studies
mkdir -p "$OUT"
part="${1:-all}"
want() { [[ "$part" == all || "$part" == "$1" ]]; }

if want bundled; then
  ./cogov compare scenarios/*.yaml --reps 10 --out "$OUT/bundled" --force --no-progress \
    > "$OUT/bundled.txt"
fi
if want targets; then
  ./cogov targets --reps 10 --report "$OUT/validation.md" --force --no-progress \
    | tee "$OUT/targets.txt"
fi
if want factorial; then
  ./cogov sweep experiments/four_governances_factorial.yaml \
    --store "$OUT/four_governances_factorial.duckdb" --no-progress
  ./cogov analyze "$OUT/four_governances_factorial.duckdb" --force
  # The same design from the cold start and with one channel switched off (knock-outs,
  # docs/sensitivity.md §1): which mechanism makes law × virtue a complement. Then the
  # same six under two more experiment seeds, and each channel's part in law × virtue
  # after the warm-up and from the cold start over the 30 replications, paired by
  # replication (a difference-in-differences).
  for seed in default 20240411 20240421; do
    again=()
    [[ $seed != default ]] && again=(--seed "$seed")
    for start in warm cold; do
      cold=()
      [[ $start == cold ]] && cold=(--set run.warmup_weeks=0)
      for knockout in none disputes.relapse_base=0 effects.legal_advice_success=0; do
        [[ $seed == default && $start == warm && $knockout == none ]] && continue  # above
        off=()
        [[ $knockout != none ]] && off=(--set "$knockout")
        store="$OUT/factorial_${start}_${knockout##*.}.duckdb"
        if [[ $seed != default ]]; then
          store="$OUT/factorial_${start}_${knockout##*.}_$seed.duckdb"
        fi
        ./cogov sweep experiments/four_governances_factorial.yaml "${again[@]}" "${cold[@]}" \
          "${off[@]}" --store "$store" --no-progress
        if [[ $seed == default ]]; then ./cogov analyze "$store" --force; fi
      done
    done
  done
  .venv/bin/python scripts/factorial_did.py "$OUT/four_governances_factorial.duckdb" \
    "$OUT"/factorial_*.duckdb | tee "$OUT/factorial_did.md"
  # Every pair on every outcome over the same 30 replications (the stores with every
  # channel above), after the warm-up and from the cold start, with Holm's correction for
  # the 66 (docs/sensitivity.md §1, "Over 30 replications").
  .venv/bin/python scripts/factorial_did.py --every-interaction \
    "$OUT/four_governances_factorial.duckdb" "$OUT/factorial_warm_none_20240411.duckdb" \
    "$OUT/factorial_warm_none_20240421.duckdb" | tee "$OUT/factorial_pooled_warm.md"
  .venv/bin/python scripts/factorial_did.py --every-interaction \
    "$OUT/factorial_cold_none.duckdb" "$OUT/factorial_cold_none_20240411.duckdb" \
    "$OUT/factorial_cold_none_20240421.duckdb" | tee "$OUT/factorial_pooled_cold.md"
fi
if want morris; then
  ./cogov sweep experiments/morris_assumptions.yaml \
    --store "$OUT/morris_assumptions.duckdb" --no-progress
  ./cogov analyze "$OUT/morris_assumptions.duckdb" --force
fi
if want sobol; then
  ./cogov sweep experiments/sobol_assumptions.yaml \
    --store "$OUT/sobol_assumptions.duckdb" --no-progress
  ./cogov analyze "$OUT/sobol_assumptions.duckdb" --force
fi
if want sobol_levers; then
  ./cogov sweep experiments/sobol_levers.yaml \
    --store "$OUT/sobol_levers.duckdb" --no-progress
  ./cogov analyze "$OUT/sobol_levers.duckdb" --force
fi
if want robustness; then
  ./cogov robustness --samples 32 --reps 2 --residents 2000 \
    --outcomes resolution_rate,petitions_per_10k,unresolved_exit_share,welfare_gini \
    --store "$OUT/robustness.duckdb" --force --no-progress | tee "$OUT/robustness.txt"
fi
if want frontiers; then
  ./cogov frontiers --reps 10 --residents 2000 \
    --outcomes resolution_rate,petitions_per_10k,unresolved_exit_share,welfare_gini \
    --store "$OUT/frontiers.duckdb" --force --no-progress | tee "$OUT/frontiers.txt"
fi
if want enforcement; then
  ./cogov sweep experiments/enforcement_sweep.yaml \
    --store "$OUT/enforcement_sweep.duckdb" --no-progress
  ./cogov analyze "$OUT/enforcement_sweep.duckdb" --force
fi
if want welfare; then
  ./cogov compare baseline default fengqiao self_governance rule_of_law rule_of_virtue \
    smart_governance four_governances --reps 10 --out "$OUT/welfare" --force --no-progress \
    --outcomes welfare_gini,income_gini,market_income_gini,dibao_coverage,dibao_inclusion,digital_gap,elderly_gap,services_per_resident,poverty_share,quality_resolution_gap \
    > "$OUT/welfare.txt"
fi
if want policy; then
  shown=resolution_rate_last_year,requests_per_1000_last_year,petitions_per_10k_last_year
  shown=$shown,unresolved_exit_share_last_year,court_filings_per_10k_last_year
  shown=$shown,days_to_resolution_median_last_year,trust_last_year,welfare_gini_last_year
  shown=$shown,spending_per_resident_last_year
  # Both warm up under the baseline's levers (the county before the reform).
  ./cogov compare baseline experiments/data/scenarios/reform_hotline.yaml --steps 312 \
    --set run.warmup_levers=scenario --reps 20 --outcomes "$shown" --out "$OUT/policy/hotline_reform" --force --no-progress
  ./cogov compare scenarios/policy/no_centre.yaml scenarios/policy/centre_opens_week52.yaml \
    --reps 20 --outcomes "$shown" --out "$OUT/policy/centre_opens" --force --no-progress
  ./cogov compare default scenarios/policy/front_end_mediation.yaml \
    --reps 20 --outcomes "$shown" --out "$OUT/policy/front_end_mediation" --force \
    --no-progress
fi
if want warmup; then
  # The bundled comparisons without a warm-up and after a 52-week pre-policy warm-up
  # (docs/policy-scenarios.md, "Starting from a warm-up"; about 6 minutes).
  shown=resolution_rate_last_year,petitions_per_10k_last_year
  shown=$shown,unresolved_exit_share_last_year,days_to_resolution_mean_last_year
  ./cogov compare scenarios/*.yaml --reps 20 --outcomes "$shown" \
    --set run.warmup_weeks=0 --out "$OUT/warmup/none" --force --no-progress > /dev/null
  ./cogov compare scenarios/*.yaml --reps 20 --outcomes "$shown" \
    --set run.warmup_weeks=52 --set run.warmup_levers=status_quo \
    --out "$OUT/warmup/pre_policy_52" --force --no-progress > /dev/null
  .venv/bin/python scripts/warmup_robustness.py "$OUT/warmup/none" \
    "$OUT/warmup/pre_policy_52" | tee "$OUT/warmup/robustness.md"
fi
