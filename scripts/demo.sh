#!/usr/bin/env bash
# Sets up everything and runs the main job (the README's first command).
# Today the main job boots the hello guest under the minimal runner and prints what it reported; it grows
# into the full scenario run with tracing, analysis and findings.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default
./build/default/hyp/vcm boot build/default/hyp/guests/hello.bin
