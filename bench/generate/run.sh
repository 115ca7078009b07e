#!/usr/bin/env bash
# bench/generate/run.sh [--quick]
#
# Speed of the generate stage against the Python references, side by side
# on this machine:
#   1. all 135 flows, 1,000 points at 100 points per period, rtol = atol =
#      1e-12 (the stage's defaults and dysts' make_trajectory defaults), one
#      core, each system timed through the stage (minimum of 3 runs), with the
#      solver auto chose, RHS evaluations, radau5 for comparison, and the
#      per-system dysts times recorded in
#      ../shared/bench/dysts/results/dysts_n1000_default.csv (dysts is not
#      installed here and is not rerun: about 1,450 s on one core);
#   2. scipy_solver_anchor.py (scipy solve_ivp DOP853 and LSODA, rtol 1e-9,
#      atol 1e-12, 10,000 samples over 100 periods, seven classic flows) run
#      now, then the stage on the same systems at the same settings.
# Needs: apt-get install -y python3-numpy python3-scipy (Debian's
# /usr/bin/python3). Results go to bench/generate/results/.
# --quick skips the radau5 column and uses one run per system.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${SHARED:-$(cd "$ROOT/../shared" 2>/dev/null && pwd || echo /work/shared)}
OUT="$ROOT/bench/generate/results"
PY=${PYTHON:-/usr/bin/python3}
REPEAT=3
RADAU=-radau
if [[ "${1:-}" == "--quick" ]]; then REPEAT=1; RADAU=; fi
mkdir -p "$OUT"
export PATH="/usr/local/go/bin:$PATH"
BIN=$(mktemp /tmp/generate-bench.XXXXXX)
trap 'rm -f "$BIN" "$BIN.json"' EXIT
(cd "$ROOT" && go build -o "$BIN" ./bench/generate)

echo "== 1. all flows at the default settings (GOMAXPROCS=1)"
"$BIN" -procs 1 -repeat "$REPEAT" $RADAU \
  -dysts "$SHARED/bench/dysts/results/dysts_n1000_default.csv" \
  -o "$OUT/catalog_n1000_default.md"

echo
echo "== 2. scipy_solver_anchor.py (run now, one thread) and the stage at its settings"
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$PY" "$SHARED/bench/dysts/scipy_solver_anchor.py" \
  --meta "$SHARED/reference/dysts/chaotic_attractors.json" \
  --methods DOP853 LSODA --out "$BIN.json"
cp "$BIN.json" "$OUT/scipy_solver_anchor.json"
"$BIN" -anchor -procs 1 -repeat "$REPEAT" -scipy "$BIN.json" -o "$OUT/scipy_anchor.md"
