#!/usr/bin/env bash
# Builds vcm's Debian package from the default build (cmake/VcmPackage.cmake): vcm, vcm-gui, the scenarios,
# the guests and the docs, with its Debian dependencies declared. Prints the package's path on its last line.
#   bash scripts/package.sh        (after scripts/test.sh, or it configures and builds first)
# Install it with: apt-get install ./build/default/package/vcm_VERSION_ARCH.deb
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset default >/dev/null
cmake --build --preset default
rm -f build/default/package/vcm_*.deb
(cd build/default && cpack -G DEB >/dev/null)
package=$(ls build/default/package/vcm_*.deb)
dpkg-deb --info "$package" | sed -n '/Package:/,/Description:/p' >&2
echo "$package"
