#!/usr/bin/env bash
# Sets up everything and runs the main job (the README's first command): one seed scenario in full, then
# every shipped scenario (one per seed hazard, plus a 16 GiB set/way storm) under the native and xen policies,
# printed as a matrix of what each policy lost (stale reads) and what it cost (flush delays, traps,
# scheduling latency). It grows into the full run with tracing, analysis and findings.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default
vcm=./build/default/hyp/vcm
$vcm run hyp/scenarios/seed004-bootloader-setway.toml --policy native
echo
$vcm matrix --policies native,xen
