#!/usr/bin/env bash
# bench/runner/slurm.sh [--cells N] [--batch B]
#
# The Slurm executor's cost per cell: a matrix of N trivial cells (`sample`,
# one row each; default 200) applied cold three times into empty stores, all
# in one run on the same machine:
#   - local executor (the reference: what the cells themselves cost);
#   - --executor slurm with batch: 1 (one array task per cell);
#   - --executor slurm with batch: B (default 50; B cells per array task).
# It prints wall times, the per-cell overhead over the local apply
# ((slurm - local) / N; goal: under 0.05 s batched) and checks that the three
# stores hold bitwise identical Arrow files. Needs a running cluster that
# sees /tmp (scripts/slurm/start-local-slurm.sh).
set -euo pipefail
CELLS=200
BATCH=50
while [ $# -gt 0 ]; do
  case "$1" in
    --cells) CELLS=$2; shift ;;
    --batch) BATCH=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
command -v sbatch >/dev/null || { echo "sbatch not found: start a cluster (scripts/slurm/start-local-slurm.sh)" >&2; exit 1; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/runner-slurm-bench.XXXXXX)
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT
export PATH="/usr/local/go/bin:$PATH"
(cd "$ROOT" && go build -o "$WORK/runner" ./cmd/runner)

# pipeline FILE BATCH: CELLS cells of one stage, BATCH cells per job (0: unset).
pipeline() {
  {
    printf 'version: 1\nname: slurmbench\nseed: 1\nmatrix:\n  c: [%s]\nstages:\n  cell:\n    kind: sample\n    foreach: [c]\n    params: {n: 1}\n' \
      "$(seq -s, 0 $((CELLS - 1)) | sed 's/,/, /g')"
    if [ "$2" -gt 0 ]; then printf '    batch: %d\n' "$2"; fi
  } > "$1"
}

# timed NAME CMD...: prints the wall seconds of CMD; its output goes to $WORK/NAME.out.
timed() {
  local name=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >"$WORK/$name.out" 2>&1 || { echo "$name failed:" >&2; tail -20 "$WORK/$name.out" >&2; exit 1; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}

# arrows STORE: the sorted sha256 of every Arrow file in STORE's entries.
arrows() { find "$1/objects" -name '*.arrow' -print0 | xargs -0 sha256sum | awk '{print $1}' | sort; }

cd "$WORK"
pipeline local.yaml 0
pipeline one.yaml 1
pipeline batched.yaml "$BATCH"
echo "== $CELLS cells of a trivial stage ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), $(sinfo --version))"
local_s=$(timed local ./runner apply -q --store "$WORK/s-local" local.yaml)
one_s=$(timed one ./runner apply -q --executor slurm --store "$WORK/s-one" one.yaml)
batched_s=$(timed batched ./runner apply -q --executor slurm --store "$WORK/s-batched" batched.yaml)
for s in one batched; do
  grep -q "$CELLS ran, 0 cached, 0 failed" "$WORK/$s.out" || { echo "$s: not every cell ran:" >&2; cat "$WORK/$s.out" >&2; exit 1; }
done
arrows s-local > local.sums
for s in one batched; do
  arrows "s-$s" | cmp -s - local.sums || { echo "slurm ($s) Arrow files differ from the local executor's" >&2; exit 1; }
done
per() { echo "($1 - $local_s) / $CELLS" | bc -l; }
printf 'local             %7.2f s\n' "$local_s"
printf 'slurm, batch 1    %7.2f s  %.3f s per cell over local\n' "$one_s" "$(per "$one_s")"
printf 'slurm, batch %-4d %7.2f s  %.3f s per cell over local\n' "$BATCH" "$batched_s" "$(per "$batched_s")"
echo "Arrow files of the three stores: identical ($(wc -l < local.sums) files)"
echo "goal: under 0.05 s per trivial cell batched"
