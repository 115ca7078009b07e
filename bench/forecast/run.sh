#!/usr/bin/env bash
# Gilpin 2023 standard forecasting task on every catalog flow with every
# model family (see gilpin/main.go for the protocol). Writes
# results/standard.md and results/standard.csv (and standard.partial.csv as
# systems finish). Systems start in a fixed pseudo-random order until
# DEADLINE (default 22m) has passed, so the run stays within the 25-minute
# budget on a loaded machine; DEADLINE=0 runs every flow whatever it takes.
#
#   bench/forecast/run.sh [extra flags for gilpin, e.g. -systems Lorenz,Rossler]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
go build -o "${TMPDIR:-/tmp}/gilpin-bench" ./bench/forecast/gilpin
exec "${TMPDIR:-/tmp}/gilpin-bench" -out bench/forecast/results -deadline "${DEADLINE:-22m}" "$@"
