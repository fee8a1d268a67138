#!/usr/bin/env bash
# Debian's U-Boot (u-boot-qemu) from reset to its first prompt, vcm against QEMU's TCG on the same machine, side by
# side in one run. Figures to read, not a pass/fail test. Goal (virt-board issue): vcm within 3x of QEMU's wall time
# with every guest load and store through the cache model.
#   vcm:  `vcm run tests/bench/uboot/uboot-to-prompt.toml --json`: the whole process's wall time, the in-run time
#         (host_seconds) and the guest instructions it executed.
#   QEMU: `qemu-system-aarch64 -M virt -cpu cortex-a57 -m 512 -nographic -nic none -bios u-boot.bin`, driven by
#         tests/bench/uboot/qemu_to_prompt.py: a key when U-Boot offers to stop autoboot, stopped at the prompt;
#         the wall time from spawn to prompt. (-nic none: Debian's QEMU needs ipxe-qemu's efi-virtio.rom for its
#         default NIC otherwise; U-Boot does not use it on the way to the prompt.) QEMU's guest instruction count
#         needs a TCG plugin Debian does not ship; under QEMU 7.2 with a plugin it was 21.7 M with a minimal
#         device tree (../shared/reference/real-guests.md), against 41.4 M with QEMU's full one.
#   Prompt polling: `vcm run tests/bench/uboot/uboot-idle-at-prompt.toml --json` leaves U-Boot at its prompt for a
#         60 M instruction budget; its device accesses are almost all flag-register polls, so host time over
#         accesses is what one poll costs (QEMU counted 43.5 M polls in 10 s of prompt: 0.23 us each).
# Runs: VCM_UBOOT_BENCH_RUNS (default 5) of each, alternating, medians printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${VCM_UBOOT_BENCH_RUNS:-5}
vcm=build/default/app/vcm
firmware=/usr/lib/u-boot/qemu_arm64/u-boot.bin
[[ -x $vcm ]] || { echo "build vcm first: cmake --build --preset default" >&2; exit 2; }
[[ -f $firmware ]] || { echo "$firmware missing: run scripts/install-deps.sh (u-boot-qemu)" >&2; exit 2; }
command -v qemu-system-aarch64 >/dev/null || { echo "qemu-system-aarch64 missing: scripts/install-deps.sh" >&2; exit 2; }

echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$vcm" "$runs" <<'PY'
import json, statistics, subprocess, sys, time
vcm, runs = sys.argv[1], int(sys.argv[2])
vcm_wall, vcm_in_run, qemu_wall = [], [], []
instructions = None
for _ in range(runs):
    start = time.monotonic()
    out = subprocess.run([vcm, "run", "tests/bench/uboot/uboot-to-prompt.toml", "--json"], check=True,
                         capture_output=True, text=True).stdout
    vcm_wall.append(time.monotonic() - start)
    report = json.loads(out)
    assert report["guests"][0]["verdict"] == "PASS", report["guests"][0]
    vcm_in_run.append(report["host_seconds"])
    instructions = report["instructions"]
    qemu_wall.append(float(subprocess.run(["python3", "tests/bench/uboot/qemu_to_prompt.py"], check=True,
                                          capture_output=True, text=True).stdout))
m = statistics.median
print(f"U-Boot reset to prompt, median of {runs}:")
print(f"  vcm  whole process {m(vcm_wall):6.3f} s   in-run {m(vcm_in_run):6.3f} s   "
      f"{instructions / 1e6:.2f} M guest instructions ({instructions / m(vcm_in_run) / 1e6:.1f} M/s, every access modelled)")
print(f"  QEMU whole process {m(qemu_wall):6.3f} s   (TCG, no cache model)")
print(f"  vcm / QEMU: {m(vcm_wall) / m(qemu_wall):.2f}x whole process (goal: at most 3x)")
# Exit status 3 (a guest still running when the budget ended) is this run's purpose.
idle = json.loads(subprocess.run([vcm, "run", "tests/bench/uboot/uboot-idle-at-prompt.toml", "--json"],
                                 capture_output=True, text=True).stdout)
assert idle["guests"][0]["verdict"] == "TIMEOUT", idle["guests"][0]
polls = idle["traps"]["mmio"]
print(f"At the prompt: {polls} device accesses (flag-register polls) in {idle['instructions'] / 1e6:.0f} M "
      f"instructions, {idle['host_seconds']:.2f} s: {idle['host_seconds'] / polls * 1e6:.2f} us of host time per "
      f"poll including the instructions between polls ({idle['instructions'] / polls:.0f} per poll)")
PY
