#!/usr/bin/env bash
# Installs every Debian package vcm needs to build, test and run; idempotent and non-interactive.
# Only packages that are missing are installed, so a second run costs one dpkg-query.
#
#   scripts/install-deps.sh                    host packages, and the arm64 packages of group `guests`
#   scripts/install-deps.sh --kvm-reference    also the arm64 packages of group `kvm-reference` (the real-KVM
#                                              reference rig, tests/reference/kvm/record.sh; CI does not need them)
set -euo pipefail

groups=(guests)
for arg in "$@"; do
  case "$arg" in
    --kvm-reference) groups+=(kvm-reference) ;;
    *)
      echo "install-deps: unknown option '$arg' (usage: $0 [--kvm-reference])" >&2
      exit 2
      ;;
  esac
done

# One package per line, grouped by the component that needs it. Keep this list in step with the
# find_package/pkg_check_modules calls in cmake/VcmDependencies.cmake.
packages=(
  # build; dpkg-dev's dpkg-shlibdeps names the Debian package's library dependencies (scripts/package.sh)
  cmake ninja-build g++ pkg-config git dpkg-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # the tracing benchmark's instruction counts (tests/bench/run_tracing_benchmark.sh, part 4)
  valgrind
  # fuzzing: libFuzzer harnesses built with Debian's clang (tests/fuzz)
  clang libclang-rt-14-dev
  # tracer: LTTng-UST providers, session daemon, liblttng-ctl
  liblttng-ust-dev lttng-tools liblttng-ctl-dev
  # analyzer: Babeltrace2 library and CLI (the CLI is for users; vcm uses only the C API)
  babeltrace2 libbabeltrace2-dev
  # db
  libsqlite3-dev sqlite3
  # replay: SHA-256 of guest images (Nettle: no provider start-up, unlike OpenSSL 3's ~1 ms per process)
  nettle-dev
  # gui (the offscreen platform plugin ships in qt6-qpa-plugins)
  qt6-base-dev qt6-qpa-plugins qt6-svg-dev
  # hyp: CPU emulator and the cross toolchain for the bare-metal guests
  libunicorn-dev gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
  # hyp/board: the virt board's device tree is built with libfdt; Debian's U-Boot for QEMU's virt
  # board is the first unmodified firmware guest (/usr/lib/u-boot/qemu_arm64/u-boot.bin)
  libfdt-dev u-boot-qemu device-tree-compiler
  # EDK2 for QEMU's virt board (ArmVirtQemu): /usr/share/qemu-efi-aarch64/QEMU_EFI.fd and the empty variable
  # store /usr/share/AAVMF/AAVMF_VARS.fd (hyp/scenarios/edk2-shell.toml)
  qemu-efi-aarch64
  # the U-Boot benchmark runs QEMU's TCG beside vcm (tests/bench/run_uboot_benchmark.sh)
  qemu-system-arm
  # the Linux guest: its init is a static arm64 program, its initramfs a cpio archive (hyp/guests/linux_init)
  libc6-dev-arm64-cross cpio
  # analyzer: trace-cmd files of the real-KVM reference (libtracecmd), and trace-cmd report to check them
  # (libtracecmd-dev does not depend on libtracefs-dev, which its pkg-config file and header need)
  trace-cmd libtracecmd-dev libtracefs-dev libtraceevent-dev
  # the committed reference traces are xz-compressed (tests/reference/kvm/traces)
  xz-utils
  # shared libraries
  libtomlplusplus-dev libcli11-dev libfmt-dev nlohmann-json3-dev
  # vcm hunt: the Slurm recipe is tested on a one-node cluster (tests/hunt/slurm)
  slurmctld slurmd slurm-client munge
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
else
  if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null; then
    echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
  echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The package index may be missing or stale on a fresh machine; refresh it once before installing.
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "install-deps: installed: ${missing[*]}"
fi

# arm64 packages (scripts/arm64-packages.txt): downloaded and extracted into .deps/arm64, never installed.
# Only the lines whose group (third column) was asked for.
repo=$(cd "$(dirname "$0")/.." && pwd)
arm64_dir="$repo/.deps/arm64"
while read -r package version group; do
  [[ -z "$package" || "$package" == \#* ]] && continue
  if [[ -z "$version" || -z "$group" ]]; then
    echo "install-deps: scripts/arm64-packages.txt: '$package' needs a version and a group" >&2
    exit 1
  fi
  [[ " ${groups[*]} " == *" $group "* ]] || continue
  dest="$arm64_dir/${package}_${version}"
  [[ -f "$dest/.extracted" ]] && continue
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "install-deps: enabling the arm64 architecture for apt-get download"
    "${sudo[@]}" dpkg --add-architecture arm64
    "${sudo[@]}" apt-get update -qq
  fi
  download=$(mktemp -d)
  echo "install-deps: downloading ${package}:arm64=${version}"
  if ! (cd "$download" && apt-get download -qq "${package}:arm64=${version}" 2>/dev/null); then
    # The index may predate the arm64 architecture or the pinned version: refresh once and retry.
    "${sudo[@]}" apt-get update -qq
    (cd "$download" && apt-get download -qq "${package}:arm64=${version}") || {
      echo "install-deps: ${package}:arm64=${version} is not in the archive (scripts/arm64-packages.txt pins it)" >&2
      rm -rf "$download"
      exit 1
    }
  fi
  rm -rf "$dest"
  mkdir -p "$dest"
  dpkg-deb -x "$download"/*.deb "$dest"
  rm -rf "$download"
  touch "$dest/.extracted"
  echo "install-deps: extracted ${package} ${version} into ${dest#"$repo"/}"
done < "$repo/scripts/arm64-packages.txt"
