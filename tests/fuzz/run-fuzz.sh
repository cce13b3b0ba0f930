#!/bin/sh
# run-fuzz.sh FUZZER CORPUS SEEDS [libFuzzer options...]: one bounded
# libFuzzer run (meson test --suite fuzz).  New inputs go to CORPUS (kept
# between runs, in the build folder); SEEDS is read only.  The run lasts
# SY_FUZZ_SECONDS (default 20) and fails on the first crash, leak or
# timeout, leaving the input in CORPUS/../artifacts/.  Copy it to
# tests/fuzz/regress/NAME/ once fixed.  SY_FUZZ_SEED, when set, fixes
# libFuzzer's seed (switchyard.sh test sets 1, so that CI replays the same
# sequence of inputs each time instead of a new random one).
set -eu
fuzzer=$1 corpus=$2 seeds=$3
shift 3
artifacts=$(dirname "$corpus")/artifacts/$(basename "$corpus")/
mkdir -p "$corpus" "$artifacts"
set -- ${SY_FUZZ_SEED:+-seed="$SY_FUZZ_SEED"} "$@"
exec "$fuzzer" -max_total_time="${SY_FUZZ_SECONDS:-20}" -print_final_stats=1 \
  -timeout=10 -rss_limit_mb=2048 -error_exitcode=1 -artifact_prefix="$artifacts" "$@" "$corpus" "$seeds"
