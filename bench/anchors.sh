#!/usr/bin/env bash
# The C anchors: libfuse's own example servers, built from a pinned release with FUSE over io_uring, so the
# comparison benchmark measures them on the same machine, in the same run, on the same work as Bento.
#
#   memfs_ll       libfuse's in-memory file system (beside memfs; run with -o io_uring,no_timeout)
#   passthrough_hp libfuse's high-performance passthrough (beside passthrough; run with -o io_uring)
#
# Clones $LIBFUSE_SOURCE (default https://github.com/libfuse/libfuse; any git URL or local clone) at $LIBFUSE_REF
# (default: a pinned master commit of August 2026; the 3.18 releases have FUSE over io_uring but their memfs_ll
# has no no_timeout or writeback_cache option) into $BENTO_ANCHORS_DIR (default
# bench/results/libfuse), builds the two examples with meson and ninja (installing meson, ninja-build, g++,
# pkg-config, liburing-dev and libnuma-dev with apt-get when they are missing and we are root), and prints the directory
# holding the two binaries. Building again is a no-op.
#
# Run: bench/anchors.sh   (prints e.g. bench/results/libfuse/build/example)
set -euo pipefail
cd "$(dirname "$0")/.."

ref=${LIBFUSE_REF:-e8d407ce93bf0d87efe7bbfafdfbd3c471597a02}
source=${LIBFUSE_SOURCE:-https://github.com/libfuse/libfuse}
dir=${BENTO_ANCHORS_DIR:-bench/results/libfuse}
out="$dir/build/example"

if [ -x "$out/memfs_ll" ] && [ -x "$out/passthrough_hp" ] && [ "$(cat "$dir/.bento-ref" 2>/dev/null)" = "$ref" ]; then
  echo "$out"
  exit 0
fi

missing=()
for tool in meson ninja g++ pkg-config git; do command -v "$tool" > /dev/null || missing+=("$tool"); done
pkg-config --exists liburing numa 2> /dev/null || missing+=(liburing numa)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    echo "installing what the anchors need (${missing[*]})..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq meson ninja-build g++ pkg-config git liburing-dev libnuma-dev >&2
  else
    echo "the anchors need ${missing[*]} (Debian: meson ninja-build g++ pkg-config git liburing-dev libnuma-dev)" >&2
    exit 1
  fi
fi

rm -rf "$dir"
mkdir -p "$(dirname "$dir")"
echo "building libfuse ${ref:0:12}'s memfs_ll and passthrough_hp..." >&2
git clone -q --no-checkout "$source" "$dir" >&2
git -C "$dir" -c advice.detachedHead=false checkout -q "$ref" >&2
meson setup "$dir/build" "$dir" --buildtype=release -Dexamples=true -Dtests=false -Dutils=false > "$dir/meson.log"
grep -rqs "define HAVE_URING" "$dir/build" --include='*config.h' || {
  echo "libfuse was configured without io_uring (see $dir/meson.log; it needs liburing-dev and libnuma-dev)" >&2
  exit 1
}
ninja -C "$dir/build" example/memfs_ll example/passthrough_hp >&2
echo "$ref" > "$dir/.bento-ref"
echo "$out"
