#!/bin/sh
# Builds the Linux guest's initramfs: a static /init (init.c) and an empty /dev in a cpio newc archive, the
# same bytes at every build (no timestamps, owners or inode numbers of the build machine: cpio --reproducible).
# Usage: make_initramfs.sh CROSS_CC INIT_SOURCE OUTPUT
set -eu
cc=$1 source=$2 output=$3
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"
mkdir "$root/dev"
"$cc" -static -O2 -Wall -Wextra -Werror -ffile-prefix-map="$(dirname "$source")"=. -Wl,--build-id=none \
  -o "$root/init" "$source"
cd "$root"
find . -exec touch -h -d @0 {} +
find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible --owner=0:0 > "$output.tmp"
mv "$output.tmp" "$output"
