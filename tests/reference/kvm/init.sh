#!/bin/busybox sh
# shellcheck shell=dash
# /init of the real-KVM reference rig's initramfs (built by tests/reference/kvm/record.sh). Runs under a
# Debian arm64 kernel inside QEMU (TCG, virtualization=on), so that the kernel's own KVM is the hypervisor:
# every guest image in /guests/list runs under /vmm while `trace-cmd record -e kvm` records KVM's tracepoints.
# Each trace.dat then leaves through the console as `gzip | base64` between marker lines, and the machine
# powers off.
#
# Every line of ours starts with "rig: ", a guest's console output with "guest NAME| "; record.sh keeps only
# those lines for console.log, and reads the verdicts from the "rig: guest NAME exit" lines and "rig: done".
#
# /guests/list has one line per guest: NAME EXPECTED_EXIT_CODE; /guests/vmm-options the VMM's options
# (--ram-mib, --timeout-s).
export PATH=/bin:/usr/bin
export LD_LIBRARY_PATH=/lib/aarch64-linux-gnu

say() { echo "rig: $*"; }

finish() {
    say "done: $1"
    sync
    poweroff -f
    sleep 10 # poweroff -f does not return; if it ever does, the kernel must not see init exit
}

mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tracefs tracefs /sys/kernel/tracing || finish "failed: cannot mount tracefs at /sys/kernel/tracing"
# Kernel messages would interleave with ours on the console; they stay in dmesg.
echo 1 >/proc/sys/kernel/printk

say "kernel: $(uname -r)"
# The mode KVM chose, as the kernel logged it: "VHE mode initialized successfully" (the kernel runs at EL2),
# "Hyp mode ..." on 6.1 or "Hyp nVHE mode ..." on 6.12 (nVHE: a small hypervisor at EL2, the kernel at EL1),
# and whether the CPU has FEAT_S2FWB ("Stage-2 Force Write-Back"), with which KVM neither traps the VM
# registers nor flushes for set/way. The timestamps are dropped: they differ from run to run.
dmesg | sed 's/^\[[ 0-9.]*\] //' | grep -E '^kvm \[[0-9]+\]: |Stage-2 Force Write-Back' |
    while read -r line; do say "kernel: $line"; done
[ -c /dev/kvm ] || finish "failed: no /dev/kvm (KVM did not initialise)"

# trace-cmd record copies /proc/kallsyms into every trace.dat (6 MB of text on these kernels, 1.3 MB after its
# zstd). No event of the kvm system prints a kernel symbol, so an empty file is bound over it.
: >/tmp/no-kallsyms
mount -o bind /tmp/no-kallsyms /proc/kallsyms || finish "failed: cannot hide /proc/kallsyms from trace-cmd"

status=ok
vmm_options=$(cat /guests/vmm-options)
while read -r name expected; do
    [ -n "$name" ] || continue
    say "guest $name begin"
    # The VMM's exit status, through a shell around it: trace-cmd record's own status says only whether
    # recording worked. --compression none: record.sh compresses the file with xz, which does better on the
    # raw file than on trace-cmd's zstd sections, and any libtracecmd reads it without zstd.
    trace-cmd record --compression none -e kvm -o "/tmp/$name.dat" \
        /bin/sh -c "/vmm $vmm_options /guests/$name.bin >/tmp/$name.console 2>&1; echo \$? >/tmp/$name.rc" \
        </dev/null >"/tmp/$name.trace-cmd" 2>&1 # not the loop's stdin, /guests/list
    recorded=$?
    sed "s/^/guest $name| /" "/tmp/$name.console"
    code=$(cat "/tmp/$name.rc" 2>/dev/null)
    if [ "$recorded" -ne 0 ] || [ ! -s "/tmp/$name.dat" ]; then
        sed 's/^/rig: trace-cmd: /' "/tmp/$name.trace-cmd"
        say "guest $name exit ${code:-none} expected $expected: FAILED (trace-cmd record status $recorded)"
        status=failed
    elif [ "$code" != "$expected" ]; then
        say "guest $name exit ${code:-none} expected $expected: FAILED"
        status=failed
    else
        say "guest $name exit $code expected $expected: ok"
    fi
done </guests/list

# One trace without kvm events, for the tests of what vcm ingest says about such a file: the exec of /bin/true.
trace-cmd record --compression none -e sched:sched_process_exec -o /tmp/no-kvm-events.dat /bin/true \
    </dev/null >/tmp/no-kvm-events.trace-cmd 2>&1 || status=failed

# The traces, one after the other. base64 wraps its lines; record.sh joins them, decodes and gunzips, and
# checks the byte count.
{ cat /guests/list; echo "no-kvm-events -"; } | while read -r name expected; do
    [ -s "/tmp/$name.dat" ] || continue
    size=$(stat -c %s "/tmp/$name.dat")
    say "trace $name.dat $size bytes, gzip | base64 begin"
    gzip -c "/tmp/$name.dat" | base64
    say "trace $name.dat end"
done

finish "$status"
