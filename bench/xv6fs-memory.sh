#!/usr/bin/env bash
# bench/xv6fs-memory.sh — the daemon's memory against its budget: creates FILES files (default 500,000, in
# directories of 1,000) on an xv6fs mount, stats every one of them, and prints the daemon's peak resident set
# (VmHWM) next to the cache budget (`-o cache_size=`, default 256M), with the caches' counters from
# `bento stats`; then drops the kernel's caches and stats everything again, so every inode is loaded from the
# image once more through the caches; last, writes and reads a 1 GiB file (the image is data=journal, so file
# data passes through the buffer cache and fills it). The last line is `peak RSS: X MiB, budget: Y MiB: within|OVER`.
#
# The kernel keeps every name and inode it has seen (Bento's memfs and xv6fs let it cache them forever), so it
# holds a lookup on all FILES inodes at the end: the daemon must not need an inode in memory per name the kernel
# caches. Needs root. FILES=50000 for a quick run; CACHE_SIZE=512M to try another budget.
set -euo pipefail

FILES=${FILES:-500000}
CACHE_SIZE=${CACHE_SIZE:-256M}
SIZE=${SIZE:-8G}
BENTO=${BENTO:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/bento}
WORK=${WORK:-$(mktemp -d /var/tmp/xv6mem.XXXXXX)}
[ "$(id -u)" = 0 ] || { echo "run as root (mount)" >&2; exit 1; }
[ -x "$BENTO" ] || { echo "build first: swift build -c release --product bento" >&2; exit 1; }

cleanup() {
    mountpoint -q "$WORK/mnt" 2>/dev/null && { umount "$WORK/mnt" 2>/dev/null || umount -l "$WORK/mnt"; }
    rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/mnt"
"$BENTO" mkfs "$WORK/image" --size "$SIZE" --data journal > /dev/null  # data through the buffer cache too
"$BENTO" mount --fs xv6fs -o "cache_size=$CACHE_SIZE" "$WORK/image" "$WORK/mnt"
pid=$("$BENTO" status | awk -v m="$WORK/mnt" '$1 == m { print $4 }')
[ -n "$pid" ] || { echo "no daemon serves $WORK/mnt" >&2; exit 1; }
rss() { awk -v k="$1:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$pid/status"; }
echo "after mount: RSS $(rss VmRSS) MiB"

start=$(date +%s.%N)
python3 - "$WORK/mnt" "$FILES" <<'PY'
import os, sys
root, count = sys.argv[1], int(sys.argv[2])
for i in range(count):
    if i % 1000 == 0:
        directory = os.path.join(root, "d%04d" % (i // 1000))
        os.mkdir(directory)
    os.close(os.open(os.path.join(directory, "f%d" % i), os.O_CREAT | os.O_WRONLY, 0o644))
PY
created=$(date +%s.%N)
echo "created $FILES files in $(awk -v a="$start" -v b="$created" 'BEGIN { printf "%.1f", b - a }') s: RSS $(rss VmRSS) MiB"
python3 - "$WORK/mnt" "$FILES" <<'PY'
import os, sys
root, count = sys.argv[1], int(sys.argv[2])
for i in range(count):
    os.stat(os.path.join(root, "d%04d" % (i // 1000), "f%d" % i))
PY
stated=$(date +%s.%N)
echo "stat-ed $FILES files in $(awk -v a="$created" -v b="$stated" 'BEGIN { printf "%.1f", b - a }') s: RSS $(rss VmRSS) MiB"
# The kernel lets go of its names and inodes (FORGET for each); stat-ing again loads every inode from the image.
sync
echo 3 > /proc/sys/vm/drop_caches
python3 - "$WORK/mnt" "$FILES" <<'PY'
import os, sys
root, count = sys.argv[1], int(sys.argv[2])
for i in range(count):
    os.stat(os.path.join(root, "d%04d" % (i // 1000), "f%d" % i))
PY
echo "after dropping the kernel's caches, stat-ed again in $(awk -v a="$stated" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s: RSS $(rss VmRSS) MiB"
# File data in data=journal goes through the journal and the buffer cache: a 1 GiB file fills the cache.
dd if=/dev/zero of="$WORK/mnt/big" bs=1M count=1024 conv=fsync status=none
sync
echo 3 > /proc/sys/vm/drop_caches
dd if="$WORK/mnt/big" of=/dev/null bs=1M status=none
echo "wrote and read 1 GiB (data=journal): RSS $(rss VmRSS) MiB"
"$BENTO" stats "$WORK/mnt" | awk '$2 ~ /^(cache_|inodes_|outstanding_lookups)/ { print "  " $2 " = " $3 }'

peak=$(rss VmHWM)
budget=$(python3 -c "import sys; t=sys.argv[1].upper(); u={'K':1<<10,'M':1<<20,'G':1<<30}; print((int(t[:-1])*u[t[-1]] if t[-1] in u else int(t)) >> 20)" "$CACHE_SIZE")
umount "$WORK/mnt"
fsck=$("$BENTO" fsck "$WORK/image" 2>&1 | tail -1)
echo "fsck: $fsck"
echo "peak RSS: $peak MiB, budget: $budget MiB: $(awk -v p="$peak" -v b="$budget" 'BEGIN { print (p <= b ? "within" : "OVER") }')"
