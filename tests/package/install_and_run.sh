#!/usr/bin/env bash
# The Debian package on this machine, as a user gets it (CI step, run as root): build it, install it with
# apt-get (which pulls its declared dependencies from Debian's archive), check that the installed vcm finds the
# installed scenarios and guests (not the source tree's or the build's), run one scenario from them from a
# directory outside the source tree, open the installed vcm-gui's --version, then remove the package.
#   bash tests/package/install_and_run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ $(id -u) -ne 0 ]]; then
    echo "install_and_run: installs a package: run it as root (CI does)" >&2
    exit 2
fi
if dpkg -s vcm >/dev/null 2>&1; then
    echo "install_and_run: a vcm package is installed already; remove it first (apt-get remove vcm)" >&2
    exit 2
fi
package=$(bash scripts/package.sh | tail -n 1)
echo "== apt-get install ./$package"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$package" >/tmp/vcm-package-install.log 2>&1 || {
    cat /tmp/vcm-package-install.log >&2
    exit 1
}
cleanup() { DEBIAN_FRONTEND=noninteractive apt-get remove -y -q vcm >/dev/null 2>&1 || true; }
trap cleanup EXIT

fail() {
    echo "install_and_run: $*" >&2
    exit 1
}
[[ $(command -v vcm) == /usr/bin/vcm ]] || fail "vcm is not /usr/bin/vcm after the install ($(command -v vcm))"
version=$(cd / && vcm version)
echo "$version" | sed 's/^/   /'
grep -qx '  scenarios: /usr/share/vcm/scenarios' <<<"$version" || fail "the installed vcm does not use /usr/share/vcm/scenarios"
grep -qx '  guests: /usr/share/vcm/guests' <<<"$version" || fail "the installed vcm does not use /usr/share/vcm/guests"
[[ -f /usr/share/vcm/guests/bootloader-setway.bin ]] || fail "no guests in /usr/share/vcm/guests"
[[ -f /usr/share/doc/vcm/cli.md ]] || fail "no docs in /usr/share/doc/vcm"

echo "== vcm run /usr/share/vcm/scenarios/seed004-bootloader-setway.toml --policy xen (from /)"
run=$(cd / && vcm run /usr/share/vcm/scenarios/seed004-bootloader-setway.toml --policy xen)
echo "$run" | sed 's/^/   /'
grep -q 'bootloader-setway: 0 of 4096 words wrong: PASS' <<<"$run" || fail "the scenario did not pass from the installed files"
echo "== vcm run ... --policy native (the same guest loses data without a hypervisor that traps set/way)"
status=0
run=$(cd / && vcm run /usr/share/vcm/scenarios/seed004-bootloader-setway.toml --policy native) || status=$?
grep -q 'words wrong: FAIL' <<<"$run" || fail "native did not lose data (status $status)"

if [[ -x /usr/bin/vcm-gui ]]; then
    gui=$(vcm-gui --version)
    echo "   $gui"
    [[ $gui == *"$(echo "$version" | head -n 1 | cut -d' ' -f2)"* ]] || fail "vcm-gui --version: '$gui'"
fi

cleanup
trap - EXIT
[[ ! -e /usr/bin/vcm ]] || fail "apt-get remove vcm left /usr/bin/vcm"
echo "install_and_run: the package installs, runs a scenario from its own files, and removes cleanly"
