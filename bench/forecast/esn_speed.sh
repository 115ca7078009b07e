#!/usr/bin/env bash
# ESN training speed, Go vs the numpy/scipy reference, side by side on this
# machine, plus per-family fit and 200-step forecast times on Lorenz-63.
#
# The reference (shared/bench/quality/esn_lorenz.py) times "build_and_train":
# reservoir construction (sparse Erdos-Renyi 500x500, mean degree 3, ARPACK
# spectral radius), a 5,500-step drive and the 500-feature ridge readout,
# minimum of 3 runs. models.BenchmarkESNTrain500 does the same work (the
# TestESNLorenzVPT configuration). By default the script runs only the
# timing block of the reference (its own functions and data); FULL=1 runs
# the whole file, VPT grid included (minutes), and reads wall_s from its JSON.
#
# FAMILIES=0 skips the per-family benchmarks (minutes: neural_ode at 500
# iterations dominates).
#
# Needs: apt-get install -y python3-numpy python3-scipy (Debian's /usr/bin/python3).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
ref="${SHARED:-$root/../shared}/bench/quality"
cd "$root"

echo "== Go: BenchmarkESNTrain500 (5 runs)"
go_out="$(go test -run '^$' -bench 'BenchmarkESNTrain500$' -benchtime 5x -count 3 ./models)"
echo "$go_out" | grep '^Benchmark' 
# Minimum ns/op over the repetitions, as the reference takes the minimum.
go_s="$(echo "$go_out" | awk '/^BenchmarkESNTrain500/ {for (i=1;i<=NF;i++) if ($(i+1)=="ns/op") print $i/1e9}' | sort -g | head -1)"

echo "== Python: esn_lorenz.py build_and_train (numpy/scipy)"
if [[ "${FULL:-0}" == 1 ]]; then
  # The whole reference script (its VPT grid too: several minutes).
  py_json="$(cd "$ref" && /usr/bin/python3 esn_lorenz.py 2>/dev/null)"
else
  # Only the timing block of esn_lorenz.main(), with the script's own
  # functions and data: min of 3 of build_and_train and of the forecast.
  py_json="$(cd "$ref" && /usr/bin/python3 - <<'PY'
import json
import esn_lorenz as e
from common import min_of
x = e.make_data()
mu = x[:e.WASHOUT + e.N_TRAIN].mean(axis=0)
sd = x[:e.WASHOUT + e.N_TRAIN].std(axis=0)
u = (x - mu) / sd
def build_and_train():
    A, Win = e.make_reservoir(0, 0.9, 0.5)
    return e.train(A, Win, u, 1e-6)
t_train, _ = min_of(3, build_and_train)
A, Win = e.make_reservoir(0, 0.9, 0.5)
Wout = e.train(A, Win, u, 1e-6)
t_fc, _ = min_of(3, e.forecast, A, Win, Wout, u[:e.N_LISTEN], e.N_FORECAST)
print(json.dumps({"wall_s": {"build_and_train": t_train, "listen_plus_forecast": t_fc}}))
PY
)"
fi
py_s="$(echo "$py_json" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["wall_s"]["build_and_train"])')"
py_fc="$(echo "$py_json" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["wall_s"]["listen_plus_forecast"])')"

echo
printf 'ESN build+train, 500 units, 5,500 steps: Go %.4f s, numpy/scipy %.4f s, ratio numpy/Go = %.2fx\n' \
  "$go_s" "$py_s" "$(echo "$py_s / $go_s" | bc -l)"
printf 'numpy/scipy listen 500 + forecast 1,104 steps: %.4f s\n' "$py_fc"

[[ "${FAMILIES:-1}" == 0 ]] && exit 0
echo
echo "== Per-family fit (1,000 points) and 200-step forecast on Lorenz-63, defaults"
go test -run '^$' -bench 'BenchmarkFamilies|BenchmarkStages' -benchtime 3x ./stages/forecast
