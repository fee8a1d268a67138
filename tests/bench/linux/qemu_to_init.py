#!/usr/bin/env python3
"""QEMU's side of the Linux benchmark: qemu-system-aarch64 (TCG) on the virt board with Debian's kernel and vcm's
initramfs, the same command line, two CPUs; stopped at init's first line. Prints the wall seconds from spawn to
that line. Usage: qemu_to_init.py KERNEL INITRAMFS [single]: with "single", QEMU runs both CPUs on one host thread
(-accel tcg,thread=single), as vcm does; without it, QEMU's multi-threaded TCG uses a host thread per CPU."""
import os
import subprocess
import sys
import time

kernel, initrd = sys.argv[1], sys.argv[2]
accel = ["-accel", "tcg,thread=single"] if len(sys.argv) > 3 and sys.argv[3] == "single" else []
command = ["qemu-system-aarch64", *accel, "-M", "virt", "-cpu", "cortex-a57", "-smp", "2", "-m", "512", "-nographic",
           "-monitor", "none", "-serial", "stdio", "-nic", "none", "-kernel", kernel, "-initrd", initrd,
           "-append", "console=ttyAMA0 earlycon=pl011,0x09000000 rdinit=/init"]
start = time.monotonic()
qemu = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
seen = b""
try:
    while b"vcm-init: started" not in seen:
        chunk = os.read(qemu.stdout.fileno(), 65536)
        if not chunk:
            sys.exit("qemu ended before init started:\n" + seen.decode(errors="replace")[-2000:])
        seen += chunk
finally:
    elapsed = time.monotonic() - start
    qemu.kill()
    qemu.wait()
print(f"{elapsed:.3f}")
