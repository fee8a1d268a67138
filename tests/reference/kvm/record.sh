#!/usr/bin/env bash
# Records the real-KVM reference: Linux KVM/arm64's own tracepoints (trace-cmd trace.dat) while real KVM runs
# vcm's guest images. KVM runs inside QEMU's TCG emulation of an Arm machine with EL2, once per combination
# of a Debian kernel (6.1, 6.12) and an emulated CPU (neoverse-n1: VHE, cortex-a57: nVHE, max: VHE with
# FEAT_S2FWB). See README.md next to this script.
#
#   tests/reference/kvm/record.sh        (as root, from a clone; about 3 minutes on 2 cores, see README.md)
#
# Writes tests/reference/kvm/traces/<kernel>-<cpu>/<guest>.dat.xz and console.log, and traces/summary.txt;
# the work files (VMM, initramfs, raw QEMU logs) go to build/kvm-reference/. Every step that fails stops the
# script with a message naming the step.
#
# Environment:
#   VCM_KVM_REFERENCE_GUESTS  the vcm guests to run, space-separated NAME or NAME:EXPECTED_EXIT_CODE (default
#                             below; may be empty). The rig's own smoke guest (smoke/) always runs first.
#   VCM_KVM_REFERENCE_ONLY    run only the combinations whose name (e.g. 6.12-max) matches this regex.
set -euo pipefail
shopt -s inherit_errexit # a failing step inside $(...) stops the script too

GUESTS=${VCM_KVM_REFERENCE_GUESTS-"bootloader-setway caches-on-shadow boot-handoff linux-like"}
# kernel (the linux-image-KERNEL.* line of scripts/arm64-packages.txt) and QEMU CPU model
COMBINATIONS=(
  "6.1 neoverse-n1"
  "6.1 cortex-a57"
  "6.12 neoverse-n1"
  "6.12 cortex-a57"
  "6.12 max"
)
QEMU_TIMEOUT_S=600      # one QEMU run: boot, every guest, the traces out through the console
GUEST_TIMEOUT_S=120     # one guest under the VMM (a guest that never exits must not hang the rig)
GUEST_RAM_MIB=64

repo=$(cd "$(dirname "$0")/../../.." && pwd)
here="$repo/tests/reference/kvm"
work="$repo/build/kvm-reference"
pins="$repo/scripts/arm64-packages.txt"
guest_dir="$repo/build/default/hyp/guests"
step=start

reported=0
fail() {
  echo "record.sh: FAILED at step '$step': $*" >&2
  reported=1
  exit 1
}
# A command that fails under set -e is named by its step too.
on_exit() {
  local rc=$?
  [[ -z "${out:-}" ]] || rm -rf "$out" # a combination's half-written traces/<combination>.new
  [[ $rc -eq 0 || $reported -eq 1 ]] || echo "record.sh: FAILED at step '$step' (exit status $rc)" >&2
}
trap on_exit EXIT

# The extracted directory of an arm64 package pinned in scripts/arm64-packages.txt (install-deps.sh's layout).
package_dir() {
  local version
  version=$(awk -v p="$1" '$1 == p { print $2 }' "$pins")
  [[ -n "$version" ]] || fail "$1 is not pinned in scripts/arm64-packages.txt"
  local dir="$repo/.deps/arm64/${1}_${version}"
  [[ -f "$dir/.extracted" ]] ||
    fail "$1 $version is not extracted in ${dir#"$repo"/} (scripts/install-deps.sh --kvm-reference)"
  echo "$dir"
}

# The kernel image of the pinned linux-image-KERNEL.* package, e.g. KERNEL=6.12.
kernel_image() {
  local package abi
  package=$(awk -v k="$1" 'index($1, "linux-image-" k ".") == 1 { print $1; exit }' "$pins")
  [[ -n "$package" ]] || fail "no linux-image-$1.* line in scripts/arm64-packages.txt"
  abi=${package#linux-image-}
  local image
  image="$(package_dir "$package")/boot/vmlinuz-$abi"
  [[ -f "$image" ]] || fail "$image is missing"
  echo "$image"
}

start_time=$(date +%s)

# --- (a) packages ----------------------------------------------------------------------------------------
step=install-deps
[[ $(id -u) -eq 0 ]] || fail "run as root (scripts/install-deps.sh installs host packages)"
"$repo/scripts/install-deps.sh" --kvm-reference
for tool in qemu-system-aarch64 aarch64-linux-gnu-gcc aarch64-linux-gnu-objcopy aarch64-linux-gnu-objdump cpio \
  gzip xz base64 timeout trace-cmd cmake; do
  command -v "$tool" >/dev/null || fail "$tool is not installed"
done

# --- (b) the guests --------------------------------------------------------------------------------------
step=guests
names=()
expected=()
for entry in $GUESTS; do
  names+=("${entry%%:*}")
  if [[ "$entry" == *:* ]]; then expected+=("${entry#*:}"); else expected+=(0); fi
done
# Always through the build (a no-op when they are up to date): a stale image would make traces of other bytes
# than the ones vcm runs.
[[ -f "$repo/build/default/build.ninja" ]] || (cd "$repo" && cmake --preset default)
cmake --build "$repo/build/default" --target "${names[@]/#/guest_}"
# A guest still on the hypercall transport would call HVC #0 with a function id KVM does not serve (KVM
# returns NOT_SUPPORTED and the guest runs on), so it could never print or exit: refuse it here, by the
# runtime's console function (HVC and no store to the port at 0xb000000), rather than wait for its timeout.
for name in "${names[@]}"; do
  console_code=$(aarch64-linux-gnu-objdump -d --disassemble=vcm_console_write "$guest_dir/$name.elf")
  if grep -q $'\thvc\t' <<<"$console_code" && ! grep -q '#0xb000000' <<<"$console_code"; then
    fail "guest $name still talks to its hypervisor through HVC (vcm_console_write), not the guest port"
  fi
done

# --- (c) the VMM, the smoke guest and the initramfs ------------------------------------------------------
step=vmm
rm -rf "$work/initramfs" && mkdir -p "$work/initramfs"
root="$work/initramfs"
mkdir -p "$root"/{bin,usr/bin,lib/aarch64-linux-gnu,guests,proc,sys,dev,tmp}
aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror -I "$repo/hyp/include" -ffile-prefix-map="$repo/"= \
  -Wl,--build-id=none -o "$root/vmm" "$here/vmm/vmm.c"

step=smoke-guest
aarch64-linux-gnu-gcc -ffreestanding -nostdlib -nostartfiles -static -no-pie -fno-pic -fno-stack-protector \
  -mgeneral-regs-only -mstrict-align -O2 -Wall -Wextra -Werror -std=gnu11 -I "$repo/hyp/include" \
  -ffile-prefix-map="$repo/"= -Wl,--build-id=none -Wl,--no-warn-rwx-segments -T "$here/smoke/smoke.ld" \
  -o "$work/smoke.elf" "$here/smoke/smoke.c"
aarch64-linux-gnu-objcopy -O binary "$work/smoke.elf" "$root/guests/smoke.bin"

step=initramfs
busybox_dir=$(package_dir busybox-static)
libc_dir=$(package_dir libc6)
install -m 755 "$here/init.sh" "$root/init"
install -m 755 "$busybox_dir/bin/busybox" "$root/bin/busybox"
# The applets /init and trace-cmd (/bin/sh -c) use.
for applet in sh cat dmesg grep gzip base64 mkdir mount poweroff sed sleep stat sync uname; do
  ln -s busybox "$root/bin/$applet"
done
install -m 755 "$(package_dir trace-cmd)/usr/bin/trace-cmd" "$root/usr/bin/trace-cmd"
# trace-cmd's NEEDED libraries (aarch64-linux-gnu-readelf -d) and the dynamic loader its PT_INTERP names.
install -m 755 "$libc_dir/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1" "$root/lib/ld-linux-aarch64.so.1"
cp -L "$libc_dir/lib/aarch64-linux-gnu/libc.so.6" \
  "$(package_dir libtraceevent1)/usr/lib/aarch64-linux-gnu/libtraceevent.so.1" \
  "$(package_dir libtracefs1)/usr/lib/aarch64-linux-gnu/libtracefs.so.1" \
  "$(package_dir libzstd1)/usr/lib/aarch64-linux-gnu/libzstd.so.1" "$root/lib/aarch64-linux-gnu/"
{
  echo "smoke 0"
  for i in "${!names[@]}"; do
    cp "$guest_dir/${names[$i]}.bin" "$root/guests/"
    echo "${names[$i]} ${expected[$i]}"
  done
} >"$root/guests/list"
echo "--ram-mib $GUEST_RAM_MIB --timeout-s $GUEST_TIMEOUT_S" >"$root/guests/vmm-options"
# Reproducible: fixed times and owners, sorted names, no inode or device numbers of this machine, no gzip name
# or time stamp.
find "$root" -exec touch -h -d @0 {} +
(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible --owner=0:0) | gzip -n -9 \
  >"$work/init.cpio.gz"
echo "record.sh: initramfs $(stat -c %s "$work/init.cpio.gz") bytes, guests: smoke ${names[*]}"

# --- (d) QEMU runs, (e) the traces out of the console logs -----------------------------------------------
# Events of one kind in a trace, from the host's trace-cmd without plugins (-N: its kvm plugin prints
# "<CANT FIND FIELD exit_reason>" for arm64's kvm_exit).
count() { grep -c -E " $1: " <<<"$report" || true; }
rows=()
mkdir -p "$work/logs"
for combination in "${COMBINATIONS[@]}"; do
  read -r kernel cpu <<<"$combination"
  combo="$kernel-$cpu"
  if [[ -n "${VCM_KVM_REFERENCE_ONLY:-}" && ! "$combo" =~ $VCM_KVM_REFERENCE_ONLY ]]; then continue; fi
  step="qemu $combo"
  image=$(kernel_image "$kernel")
  log="$work/logs/$combo.log"
  echo "record.sh: $combo: running QEMU (-cpu $cpu, $(basename "$image"))"
  run_start=$(date +%s)
  # -nic none: no default NIC (its option ROM, efi-virtio.rom, is not installed and nothing needs a network).
  # -no-reboot and panic=-1: a kernel panic ends QEMU at once instead of waiting for the timeout.
  set +e
  timeout -k 10 "$QEMU_TIMEOUT_S" nice -n 10 qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 \
    -cpu "$cpu" -smp 2 -m 1024 -nographic -nic none -no-reboot -kernel "$image" -initrd "$work/init.cpio.gz" \
    -append 'console=ttyAMA0 rdinit=/init quiet panic=-1' </dev/null >"$log.raw" 2>&1
  qemu_status=$?
  set -e
  tr -d '\r' <"$log.raw" >"$log" && rm -f "$log.raw"
  echo "record.sh: $combo: QEMU finished in $(($(date +%s) - run_start)) s (status $qemu_status)"
  [[ $qemu_status -eq 0 ]] ||
    fail "QEMU exited with status $qemu_status (124: timeout after $QEMU_TIMEOUT_S s); log: ${log#"$repo"/}"
  done_line=$(grep -m 1 '^rig: done: ' "$log") ||
    fail "the initramfs did not finish (no 'rig: done' line); log: ${log#"$repo"/}"
  if [[ "$done_line" != "rig: done: ok" ]]; then
    failed_guests=$(grep '^rig: guest .*FAILED' "$log" | sed 's/^rig: //' | paste -s -d ';' -) || true
    fail "the initramfs says '${done_line#rig: }'${failed_guests:+ ($failed_guests)}; log: ${log#"$repo"/}"
  fi

  step="decode $combo"
  # Written beside the old directory and swapped in only when every guest of the combination decoded.
  out="$here/traces/$combo.new"
  rm -rf "$out" && mkdir -p "$out"
  # console.log: our lines and the guests' output, without the trace transport (sizes differ per run).
  grep -E '^(rig: |guest [^ ]+\| )' "$log" | grep -v -E '^rig: trace ' >"$out/console.log"
  # The kernel's words for the mode: "VHE" (both kernels), "Hyp" (6.1's nVHE), "Hyp nVHE" (6.12's nVHE),
  # "Protected nVHE" (pKVM); FEAT_S2FWB from the CPU feature line.
  words=$(sed -n 's/^rig: kernel: kvm \[[0-9]*\]: \(.*\) mode initialized successfully$/\1/p' "$log" | head -n 1)
  case "$words" in
    VHE) mode=VHE ;;
    Hyp | "Hyp nVHE") mode=nVHE ;;
    "Protected nVHE") mode=pKVM ;;
    *) fail "KVM did not say which mode it initialised in; log: ${log#"$repo"/}" ;;
  esac
  if grep -q '^rig: kernel: .*Stage-2 Force Write-Back' "$log"; then mode="$mode + FWB"; fi
  # The images the traces are of: vcm compare-reference runs the same bytes.
  (cd "$guest_dir" && sha256sum "${names[@]/%/.bin}") >"$out/guests.sha256"
  for name in smoke "${names[@]}" no-kvm-events; do
    code=-
    if [[ "$name" != no-kvm-events ]]; then
      verdict=$(grep -E "^rig: guest $name exit " "$log" | head -n 1)
      [[ -n "$verdict" ]] || fail "no verdict for guest $name; log: ${log#"$repo"/}"
      code=$(awk '{ print $5 }' <<<"$verdict")
      [[ "$verdict" == *": ok" ]] || fail "guest $name: $verdict; log: ${log#"$repo"/}"
    fi
    size=$(awk -v n="$name.dat" '$1 == "rig:" && $2 == "trace" && $3 == n && $NF == "begin" { print $4; exit }' \
      "$log")
    [[ -n "$size" ]] || fail "no trace of guest $name in the log"
    dat="$work/$combo-$name.dat"
    awk -v begin="rig: trace $name.dat $size bytes, gzip | base64 begin" -v end="rig: trace $name.dat end" '
      $0 == begin { on = 1; next }
      $0 == end { exit }
      on { print }' "$log" | base64 -d | gunzip >"$dat" || fail "guest $name: the trace does not decode"
    [[ $(stat -c %s "$dat") -eq $size ]] ||
      fail "guest $name: decoded $(stat -c %s "$dat") bytes, the guest sent $size"
    # -T1: one thread, so the same trace.dat always gives the same .xz bytes.
    xz -9 -T1 -c "$dat" >"$out/$name.dat.xz"
    report=$(trace-cmd report -N "$dat" 2>/dev/null) ||
      fail "guest $name: the host's trace-cmd report cannot read the trace"
    rows+=("$(printf '%-18s %-12s %-18s %4s %10s %8s %13s %12s' "$combo" "$mode" "$name" "$code" "$size" \
      "$(count kvm_exit)" "$(count kvm_set_way_flush)" "$(count kvm_toggle_cache)")")
  done
  rm -rf "$here/traces/$combo" && mv "$out" "$here/traces/$combo"
done

# --- (f) summary -----------------------------------------------------------------------------------------
step=summary
[[ ${#rows[@]} -gt 0 ]] || fail "no combination matches VCM_KVM_REFERENCE_ONLY='${VCM_KVM_REFERENCE_ONLY:-}'"
summary="$work/summary.txt"
{
  echo "real-KVM reference: $(qemu-system-aarch64 --version | head -n 1)"
  printf '%-18s %-12s %-18s %4s %10s %8s %13s %12s\n' combination "kvm mode" guest exit trace.dat kvm_exit \
    set_way_flush toggle_cache
  printf '%s\n' "${rows[@]}"
} >"$summary"
cat "$summary"
# traces/summary.txt describes the committed traces: only a run of every combination replaces it.
[[ -n "${VCM_KVM_REFERENCE_ONLY:-}" ]] || cp "$summary" "$here/traces/summary.txt"
echo "record.sh: done in $(($(date +%s) - start_time)) s"
