#!/usr/bin/env bash
# Sets up everything and runs the main job (the README's first command): first Debian's own U-Boot booting a
# kernel with `booti` on the virt board (uboot-booti-stale-kernel) under `native` with a system cache, traced,
# ingested, its findings and `vcm check`'s FAIL, then under `xen`, where the kernel reads itself back clean;
# then the seed-004 scenario (a bootloader cleaning its caches by set/way, then turning them off) under the
# `native` policy with LTTng
# tracing, the trace ingested through Babeltrace2 into SQLite, the findings printed with their causal
# chains, and `vcm check`'s verdict; then the same under `xen`, which passes; then every shipped scenario
# under both policies as a matrix. Outputs stay in demo-output/ (trace directories and run.db files).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default
vcm=./build/default/app/vcm
out=demo-output
mkdir -p "$out"

echo "=== Debian's U-Boot: booti under native with a system cache, traced ==="
rm -rf "$out/uboot-booti-native"
# Exit status 3: the guest did not finish (U-Boot faults after its set/way clean): what this run shows.
$vcm run hyp/scenarios/uboot-booti-stale-kernel.toml --policy native --trace "$out/uboot-booti-native" || true
$vcm ingest "$out/uboot-booti-native" -o "$out/uboot-booti-native.db"
echo
echo "=== its findings, by kind, and the stale reads with their causal chain ==="
$vcm query "$out/uboot-booti-native.db" \
  "SELECT kind, severity, count(*) AS findings FROM finding GROUP BY kind, severity ORDER BY severity, kind" --format table
$vcm query "$out/uboot-booti-native.db" \
  "SELECT ts AS vtime_ns, explanation FROM finding WHERE kind = 'stale_read' ORDER BY ts" --format table
echo
echo "=== stale-data windows over the kernel U-Boot moved (IPA 0x40080000.., machine 0x80080000..) ==="
$vcm query "$out/uboot-booti-native.db" \
  "SELECT count(*) AS pages, printf('%#x', min(page)) AS first, printf('%#x', max(page)) AS last,
          max(dur) AS longest_ns, min(observers) AS observers
   FROM stale_window WHERE page >= 2148007936 AND page < 2148007936 + 69632" --format table
status=0
$vcm check "$out/uboot-booti-native.db" --junit "$out/uboot-booti-native-junit.xml" || status=$?
echo "vcm check exit status: $status"
echo
echo "=== Debian's U-Boot: booti under xen (set/way trapped, the VM cleaned to the PoC) ==="
$vcm run hyp/scenarios/uboot-booti-stale-kernel.toml --policy xen
echo

for policy in native xen; do
  echo "=== seed004-bootloader-setway under $policy: run with tracing ==="
  rm -rf "$out/seed004-$policy"
  $vcm run hyp/scenarios/seed004-bootloader-setway.toml --policy "$policy" --trace "$out/seed004-$policy"
  echo
  echo "=== ingest (Babeltrace2 -> SQLite) ==="
  $vcm ingest "$out/seed004-$policy" -o "$out/seed004-$policy.db"
  echo
  echo "=== findings ==="
  $vcm query "$out/seed004-$policy.db" \
    "SELECT severity, kind, ts AS vtime_ns, explanation FROM finding ORDER BY ts, id" --format table
  echo
  echo "=== vcm check (exit status 0 pass, 1 fail) ==="
  status=0
  $vcm check "$out/seed004-$policy.db" --junit "$out/seed004-$policy-junit.xml" || status=$?
  echo "vcm check exit status: $status"
  echo
done

echo "=== every shipped scenario under native and xen ==="
$vcm matrix --policies native,xen
echo
echo "Open a run in the GUI:  ./build/default/gui/vcm-gui $out/seed004-native.db"
echo "Replay it:              $vcm replay $out/seed004-native --until-first stale_read --inspect 0x80005000"
echo "Summaries:              $vcm report $out/seed004-native.db --format text"
echo "Perfetto UI:            $vcm export $out/seed004-native.db --perfetto $out/seed004-native.json (open at ui.perfetto.dev)"
