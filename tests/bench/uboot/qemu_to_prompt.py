#!/usr/bin/env python3
"""QEMU's side of the U-Boot benchmark: starts qemu-system-aarch64 (TCG) on the virt board with Debian's
U-Boot, presses a key when U-Boot offers to stop autoboot, and stops QEMU at the first prompt. Prints the
wall seconds from spawn to prompt. The same steps as tests/bench/uboot/uboot-to-prompt.toml."""
import os
import subprocess
import sys
import time

firmware = sys.argv[1] if len(sys.argv) > 1 else "/usr/lib/u-boot/qemu_arm64/u-boot.bin"
command = ["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a57", "-m", "512", "-nographic",
           "-monitor", "none", "-serial", "stdio", "-nic", "none", "-bios", firmware]
start = time.monotonic()
qemu = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
seen = b""
pressed = False
try:
    while True:
        chunk = os.read(qemu.stdout.fileno(), 4096)
        if not chunk:
            sys.exit("qemu ended before the prompt:\n" + seen.decode(errors="replace"))
        seen += chunk
        if not pressed and b"Hit any key to stop autoboot" in seen:
            qemu.stdin.write(b" ")
            qemu.stdin.flush()
            pressed = True
        if pressed and seen.rstrip().endswith(b"=>"):
            break
finally:
    elapsed = time.monotonic() - start
    qemu.kill()
    qemu.wait()
print(f"{elapsed:.3f}")
