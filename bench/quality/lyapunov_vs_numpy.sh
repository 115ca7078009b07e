#!/usr/bin/env bash
# Speed of the Lorenz-63 Lyapunov spectrum: Go (metrics.LyapunovSpectrum,
# BenchmarkLorenzSpectrum: RK4, dt = 0.01, transient 50, T = 1000, QR every
# 0.1 time units) against the numpy reference qr_spectrum of
# /work/shared/bench/quality/lyapunov.py (RK4 on the joint (x, Q) system,
# dt = 0.01, transient 50, T = 1000). The numpy part is timed twice: as the
# script runs it (np.linalg.qr every step, qr_every=1) and with the Go
# benchmark's QR interval (qr_every=10), the like-for-like comparison.
# Times are the minimum of REPEAT runs (default 3). Goal: Go >= 20x faster.
#
# Usage: bench/quality/lyapunov_vs_numpy.sh   (from anywhere; needs go,
# /usr/bin/python3 with numpy: apt-get install -y python3-numpy python3-scipy)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ref=${LYAPUNOV_PY:-/work/shared/bench/quality/lyapunov.py}
repeat=${REPEAT:-3}

echo "== Go: go test -bench BenchmarkLorenzSpectrum ./metrics"
gobench=$(cd "$root" && go test -run '^$' -bench '^BenchmarkLorenzSpectrum$' -benchtime 5x -count "$repeat" ./metrics)
echo "$gobench" | grep -E '^Benchmark|^cpu'
go_ns=$(echo "$gobench" | awk '/^BenchmarkLorenzSpectrum/ {for (i = 1; i <= NF; i++) if ($(i+1) == "ns/op") print $i}' | sort -n | head -1)
go_s=$(awk -v ns="$go_ns" 'BEGIN {printf "%.6f", ns / 1e9}')
echo "Go min over $repeat: ${go_s} s per spectrum"

echo "== numpy: qr_spectrum from $ref (Lorenz, dt 0.01, transient 50, T 1000)"
py_out=$(cd "$(dirname "$ref")" && /usr/bin/python3 - "$ref" "$repeat" <<'PY'
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("lyapunov", sys.argv[1])
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
reps = int(sys.argv[2])
f, j = mod.lorenz()
for every in (1, 10):
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        s = mod.qr_spectrum(f, j, [1.0, 1.0, 1.0], None, 0.01, 50.0, 1000.0, every)
        best = min(best, time.perf_counter() - t0)
    print(f"qr_every={every} {best:.6f} {s[0]:.5f} {s[1]:.5f} {s[2]:.5f}")
PY
)
echo "$py_out" | awk '{printf "numpy %s: %s s, spectrum %s %s %s\n", $1, $2, $3, $4, $5}'
py1=$(echo "$py_out" | awk '$1 == "qr_every=1" {print $2}')
py10=$(echo "$py_out" | awk '$1 == "qr_every=10" {print $2}')

echo "== ratio (numpy time / Go time; goal >= 20)"
awk -v g="$go_s" -v a="$py1" -v b="$py10" 'BEGIN {
  printf "as lyapunov.py runs it (QR every step): %.0fx\n", a / g
  printf "like for like (QR every 10 steps):      %.0fx\n", b / g
}'
