#!/usr/bin/env bash
# Installs what the exec examples (examples/exec) need: Debian's python3-numpy
# and python3-torch (CPU) for /usr/bin/python3, and nodejs when node is missing.
# Idempotent: does nothing when `/usr/bin/python3 -c 'import numpy, torch'`
# and node already work. Needs root (CI runs as root) or passwordless sudo.
# Exit status: 0 when everything is importable afterwards, 1 otherwise.
set -euo pipefail

PY=/usr/bin/python3
have() { [ -x "$PY" ] && "$PY" -c 'import numpy, torch' >/dev/null 2>&1 && command -v node >/dev/null; }

if ! have; then
	SUDO=""
	if [ "$(id -u)" != 0 ]; then
		if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
			SUDO="sudo -n"
		else
			echo "install-exec-deps: not root and no passwordless sudo: install python3-numpy python3-torch yourself" >&2
			exit 1
		fi
	fi
	if ! command -v apt-get >/dev/null; then
		echo "install-exec-deps: no apt-get: install numpy and torch for $PY yourself" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends python3 python3-numpy python3-torch $(command -v node >/dev/null || echo nodejs) >/dev/null
fi
if ! have; then
	echo "install-exec-deps: $PY cannot import numpy and torch, or node is missing" >&2
	exit 1
fi
"$PY" -c 'import numpy, torch; print("numpy", numpy.__version__, "torch", torch.__version__)'
echo "node $(node --version)"
