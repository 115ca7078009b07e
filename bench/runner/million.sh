#!/usr/bin/env bash
# bench/runner/million.sh [--cells N] [--store DIR] [--noop-cells M] [--snakemake-jobs S]
#
# The runner at a million cells: validate, plan and a no-op apply of a
# SIDE x SIDE matrix of a trivial stage (`sample`, one row each) plus a
# fan-in (`collect`), wall time and peak memory of each (goal: under 10 s and
# 4 GB each at 1,000,000 cells), side by side with Snakemake's dry run
# (`snakemake -n`: parse, build the DAG, check every output) of the same
# workflow at S jobs (default 100,000; ../shared/bench/snakemake), with the
# ratios per job.
#
#   --cells N        matrix cells (a square; default 1000000)
#   --store DIR      a store where the cells were applied already (a cold
#                    apply of a million cells takes a quarter of an hour or
#                    more); without it the no-op apply is measured on
#                    --noop-cells cells (default 100000), applied cold first
#                    and timed too (cells per second)
#   --snakemake-jobs S   0 skips Snakemake (needs apt-get install snakemake)
#
# Peak memory is GNU time's maximum resident set size.
set -euo pipefail
CELLS=1000000
STORE=
NOOP=100000
SNAKE=100000
while [ $# -gt 0 ]; do
  case "$1" in
    --cells) CELLS=$2; shift ;;
    --store) STORE=$2; shift ;;
    --noop-cells) NOOP=$2; shift ;;
    --snakemake-jobs) SNAKE=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/runner-million.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export PATH="/usr/local/go/bin:$PATH"
(cd "$ROOT" && go build -o "$WORK/runner" ./cmd/runner)

# pipeline FILE CELLS [fanin]: a square matrix of CELLS cells.
pipeline() {
  local side vals
  side=$(/usr/bin/python3 -c "import math; print(math.isqrt($2))")
  vals=$(seq -s, 0 $((side - 1)) | sed 's/,/, /g')
  cat > "$1" <<YAML
version: 1
name: million
seed: 1
max_instances: $((side * side + 1))
matrix:
  a: [$vals]
  b: [$vals]
stages:
  cell:
    kind: sample
    foreach: [a, b]
    params: {n: 1}
YAML
  if [ "${3:-}" = fanin ]; then
    printf '  all:\n    kind: collect\n    inputs: {tables: "cell[*].table"}\n' >> "$1"
  fi
  echo $((side * side))
}

# measure NAME CMD...: prints "NAME <wall s> <peak MB>", output to $WORK/NAME.out.
measure() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/$name.time" "$@" >"$WORK/$name.out" 2>&1 || {
    echo "$name failed:" >&2; tail -5 "$WORK/$name.out" >&2; exit 1; }
  read -r s kb < "$WORK/$name.time"
  printf '%s %s %d\n' "$name" "$s" $((kb / 1024))
}

cd "$WORK"
n=$(pipeline big.yaml "$CELLS" fanin)
echo "== $n cells + fan-in ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
read -r _ validate_s validate_mb < <(measure validate ./runner validate big.yaml)
read -r _ plan_s plan_mb < <(measure plan ./runner plan --store "$WORK/empty" big.yaml)
printf 'validate   %8.2f s %6d MB\nplan       %8.2f s %6d MB\n' "$validate_s" "$validate_mb" "$plan_s" "$plan_mb"

if [ -n "$STORE" ]; then
  noop_n=$n
  noop_file=big.yaml
  noop_store=$STORE
else
  noop_n=$(pipeline noop.yaml "$NOOP")
  noop_file=noop.yaml
  noop_store=$WORK/store
  read -r _ cold_s cold_mb < <(measure cold ./runner apply -q --store "$noop_store" noop.yaml)
  printf 'cold apply %8.2f s %6d MB  (%d cells: %.0f cells/s)\n' "$cold_s" "$cold_mb" "$noop_n" "$(echo "$noop_n / $cold_s" | bc -l)"
fi
read -r _ noop_s noop_mb < <(measure noop ./runner apply -q --store "$noop_store" "$noop_file")
grep -q "^0 ran, " noop.out || { echo "the no-op apply ran something:" >&2; cat noop.out >&2; exit 1; }
printf 'no-op apply %7.2f s %6d MB  (%d cells)\n' "$noop_s" "$noop_mb" "$noop_n"

if [ "$SNAKE" -gt 0 ]; then
  command -v snakemake >/dev/null || { echo "snakemake not found (apt-get install -y snakemake)" >&2; exit 1; }
  dir=$("$ROOT/../shared/bench/snakemake/make_workflow.sh" "$SNAKE")
  read -r _ snake_s snake_mb < <(cd "$dir" && measure snakemake snakemake --cores 2 -n --quiet)
  printf 'snakemake -n %6.2f s %6d MB  (%d jobs, unbuilt workflow)\n' "$snake_s" "$snake_mb" "$SNAKE"
  per() { echo "$1 / $2" | bc -l; }
  snake_per=$(per "$snake_s" "$SNAKE")
  printf 'per job: snakemake -n %.1f us; runner validate %.1f us (%.0fx), plan %.1f us (%.0fx), no-op apply %.1f us (%.0fx)\n' \
    "$(echo "$snake_per * 1000000" | bc -l)" \
    "$(echo "$(per "$validate_s" "$n") * 1000000" | bc -l)" "$(echo "$snake_per / $(per "$validate_s" "$n")" | bc -l)" \
    "$(echo "$(per "$plan_s" "$n") * 1000000" | bc -l)" "$(echo "$snake_per / $(per "$plan_s" "$n")" | bc -l)" \
    "$(echo "$(per "$noop_s" "$noop_n") * 1000000" | bc -l)" "$(echo "$snake_per / $(per "$noop_s" "$noop_n")" | bc -l)"
  printf 'whole runs: runner plan of %d cells in %.2f s vs snakemake -n of %d jobs in %.2f s (%.1fx)\n' \
    "$n" "$plan_s" "$SNAKE" "$snake_s" "$(echo "$snake_s / $plan_s" | bc -l)"
fi
echo "goals: validate, plan and no-op apply of 1,000,000 cells each under 10 s and 4 GB"
