#!/usr/bin/env bash
# bench/runner/run.sh [SIDE] [--snakemake]
#
# The runner's own overhead on a synthetic pipeline of SIDE x SIDE cells
# (default 100 x 100 = 10,000) of a trivial stage (`sample`, one row each)
# plus a fan-in (`collect`) of all of them:
#   - cold apply: empty store, everything runs (cells per second);
#   - no-op apply: everything cached (median of 5 runs, hyperfine if present).
# With --snakemake it also runs the Snakemake 7.21 anchor of ../shared on the
# equivalent workflow (N = SIDE^2 jobs + fan-in) in the same run and prints
# the ratios (apt-get install -y snakemake hyperfine; a cold Snakemake build of
# 10,000 jobs takes several minutes). Crash safety is unchanged: every entry
# is written to a temp dir, fsynced and renamed, as in normal use.
set -euo pipefail
SIDE=100
SNAKE=0
for a in "$@"; do
  case "$a" in
    --snakemake) SNAKE=1 ;;
    *) SIDE=$a ;;
  esac
done
N=$((SIDE * SIDE))
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/runner-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export PATH="/usr/local/go/bin:$PATH"

(cd "$ROOT" && go build -o "$WORK/runner" ./cmd/runner)
vals() { seq -s, 0 $((SIDE - 1)) | sed 's/,/, /g'; }
cat > "$WORK/p.yaml" <<YAML
version: 1
name: bench
seed: 1
matrix:
  a: [$(vals)]
  b: [$(vals)]
stages:
  cell:
    kind: sample
    foreach: [a, b]
    params: {n: 1}
  all:
    kind: collect
    inputs: {tables: "cell[*].table"}
YAML

cd "$WORK"
now() { date +%s.%N; }
t0=$(now)
./runner apply -q --store store p.yaml >/dev/null
t1=$(now)
cold=$(echo "$t1 - $t0" | bc -l)
rate=$(echo "$N / $cold" | bc -l)

if command -v hyperfine >/dev/null; then
  hyperfine -N --style basic --warmup 1 --runs 5 --export-json hf.json "./runner apply -q --store store p.yaml" >&2
  noop=$(/usr/bin/python3 -c 'import json;print(json.load(open("hf.json"))["results"][0]["median"])')
else
  ts=()
  for i in 1 2 3 4 5 6; do
    s=$(now); ./runner apply -q --store store p.yaml >/dev/null; e=$(now)
    [ "$i" -gt 1 ] && ts+=("$(echo "$e - $s" | bc -l)")
  done
  noop=$(printf '%s\n' "${ts[@]}" | sort -g | sed -n 3p)
fi
./runner apply -q --store store p.yaml | grep -q "^0 ran, $((N + 1)) cached" || { echo "no-op apply ran something" >&2; exit 1; }

printf 'cells=%d cold_apply_s=%.2f cells_per_s=%.0f noop_apply_s=%.3f\n' "$N" "$cold" "$rate" "$noop"
printf 'goals: noop < 0.2 s, cold >= 500 cells/s\n'
if [ "$SNAKE" = 1 ]; then
  eval "$("$ROOT/../shared/bench/snakemake/run_anchor.sh" "$N")"
  printf 'snakemake_noop_s=%s  runner is %.1fx faster at a no-op\n' "$snakemake_noop_s" "$(echo "$snakemake_noop_s / $noop" | bc -l)"
  printf 'snakemake cold (recorded, --scheduler greedy, 10,000 jobs): 21.8 jobs/s; runner %.0f cells/s = %.1fx\n' "$rate" "$(echo "$rate / 21.8" | bc -l)"
fi
