#!/usr/bin/env bash
# Debian's arm64 Linux 6.1 (linux-image-6.1.0-50-arm64) from reset to its init's first line on two CPUs, vcm against
# QEMU's TCG on the same machine, side by side in one run. Figures to read, not a pass/fail test. Goal (issue 16):
# vcm within 5x of QEMU's wall time with every guest load and store through the cache model.
#   vcm:  `vcm run tests/bench/linux/linux-to-init.toml --json` (hyp/scenarios/linux-boot.toml stopped at init's
#         first marker): the whole process's wall time, the in-run time and the guest instructions executed.
#   QEMU: `qemu-system-aarch64 -M virt -cpu cortex-a57 -smp 2 -m 512 -nographic -nic none -kernel IMAGE -initrd
#         INITRAMFS -append "console=ttyAMA0 earlycon=pl011,0x09000000 rdinit=/init"`, the same kernel and
#         initramfs, driven by tests/bench/linux/qemu_to_init.py; wall time from spawn to the same line. Measured
#         twice: with QEMU's default multi-threaded TCG (a host thread per CPU) and with -accel tcg,thread=single,
#         one host thread for both CPUs as vcm has.
# Runs: VCM_LINUX_BENCH_RUNS (default 3) of each, alternating, medians printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${VCM_LINUX_BENCH_RUNS:-3}
vcm=build/default/app/vcm
kernel=build/default/hyp/guests/debian-linux-6.1.bin
initrd=build/default/hyp/guests/linux-initramfs.bin
[[ -x $vcm ]] || { echo "build vcm first: cmake --build --preset default" >&2; exit 2; }
[[ -e $kernel ]] || { echo "$kernel missing: run scripts/install-deps.sh, then configure again" >&2; exit 2; }
command -v qemu-system-aarch64 >/dev/null || { echo "qemu-system-aarch64 missing: scripts/install-deps.sh" >&2; exit 2; }

echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$vcm" "$runs" "$kernel" "$initrd" <<'PY'
import json, statistics, subprocess, sys, time
vcm, runs, kernel, initrd = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
vcm_wall, vcm_in_run, qemu_wall, qemu_single = [], [], [], []
instructions = None
for _ in range(runs):
    start = time.monotonic()
    out = subprocess.run([vcm, "run", "tests/bench/linux/linux-to-init.toml", "--json"], check=True,
                         capture_output=True, text=True).stdout
    vcm_wall.append(time.monotonic() - start)
    report = json.loads(out)
    assert report["guests"][0]["verdict"] == "PASS", report["guests"][0]
    vcm_in_run.append(report["host_seconds"])
    instructions = report["instructions"]
    qemu_wall.append(float(subprocess.run(["python3", "tests/bench/linux/qemu_to_init.py", kernel, initrd],
                                          check=True, capture_output=True, text=True).stdout))
    qemu_single.append(float(subprocess.run(["python3", "tests/bench/linux/qemu_to_init.py", kernel, initrd, "single"],
                                            check=True, capture_output=True, text=True).stdout))
m = statistics.median
print(f"Linux 6.1, 2 CPUs, reset to init's first line, median of {runs}:")
print(f"  vcm  whole process {m(vcm_wall):7.2f} s   in-run {m(vcm_in_run):7.2f} s   "
      f"{instructions / 1e6:.0f} M guest instructions ({instructions / m(vcm_in_run) / 1e6:.1f} M/s, every access modelled)")
print(f"  QEMU whole process {m(qemu_wall):7.2f} s   (TCG, a host thread per CPU, no cache model)")
print(f"  QEMU whole process {m(qemu_single):7.2f} s   (TCG, one host thread for both CPUs, as vcm)")
print(f"  vcm / QEMU: {m(vcm_wall) / m(qemu_wall):.2f}x whole process, {m(vcm_wall) / m(qemu_single):.2f}x against "
      f"single-threaded TCG (goal: at most 5x)")
PY
