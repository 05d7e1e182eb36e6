#!/usr/bin/env bash
# bench/xv6fs-ops.sh — where xv6fs's time goes: the same per-file work three ways, in µs per file.
#   in-process   XV6FSBenchmark calls xv6fs directly (no kernel, no FUSE), with per-operation means;
#   mounted      a Python script makes the system calls `tar` makes (open O_CREAT|O_EXCL, write, fchown, fchmod,
#                utime, close), then stat, cat (open, read, close) and unlink, on a mounted xv6fs;
#   ext4         the same script on ext4 data=journal (a loop image of the same size).
# Mounted minus in-process is what the kernel and FUSE add. Needs root. FILES (default 20000), DATA=ordered|journal.
set -euo pipefail
cd "$(dirname "$0")/.."

FILES=${FILES:-20000}
DATA=${DATA:-ordered}
WORK=${WORK:-$(mktemp -d /var/tmp/xv6ops.XXXXXX)}
[ "$(id -u)" = 0 ] || { echo "run as root (mount)" >&2; exit 1; }

cleanup() {
    for m in "$WORK/xv6" "$WORK/ext4"; do mountpoint -q "$m" 2>/dev/null && { umount "$m" 2>/dev/null || umount -l "$m"; }; done
    for l in $(losetup -j "$WORK/ext4.img" 2>/dev/null | cut -d: -f1); do losetup -d "$l" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

swift build -c release --product XV6FSBenchmark >&2
swift build -c release --product bento >&2
bin=$(swift build -c release --show-bin-path)

echo "== in-process"
"$bin/XV6FSBenchmark" "$WORK/inprocess.img" "$FILES" "$DATA"
rm -f "$WORK/inprocess.img"

per_file() {  # per_file DIRECTORY: the mounted phases, in µs per file
    python3 - "$1" "$FILES" <<'PY'
import os, sys, time
root, count = sys.argv[1], int(sys.argv[2])
payload = bytes((i * 31) & 0xFF for i in range(4096))
paths = []
for i in range(count):
    if i % 1000 == 0:
        os.mkdir(os.path.join(root, "d%d" % (i // 1000)))
    paths.append(os.path.join(root, "d%d" % (i // 1000), "f%d" % i))
def phase(name, body):
    start = time.perf_counter()
    for i, path in enumerate(paths):
        body(i, path)
    print("%-60s %9.2f" % (name, (time.perf_counter() - start) * 1e6 / count))
def untar(i, path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, payload[:(i * 7919) % 4096])
    os.fchown(fd, 1000, 1000)
    os.fchmod(fd, 0o644)
    os.utime(fd, (1_700_000_000, 1_700_000_000))
    os.close(fd)
def cat(i, path):
    fd = os.open(path, os.O_RDONLY)
    os.read(fd, 131072)
    os.close(fd)
print("phase                                                         µs/file")
phase("untar (open creat, write, fchown, fchmod, utime, close)", untar)
os.sync()
with open("/proc/sys/vm/drop_caches", "w") as f:
    f.write("3")
phase("stat (after dropping the kernel's caches)", lambda i, p: os.stat(p))
phase("cat (open, read, close)", cat)
phase("rm (unlink)", lambda i, p: os.unlink(p))
start = time.perf_counter()
os.sync()
print("final sync: %.1f ms" % ((time.perf_counter() - start) * 1000))
PY
}

mkdir -p "$WORK/xv6" "$WORK/ext4"
"$bin/bento" mkfs "$WORK/xv6.img" --size 4G --data "$DATA" > /dev/null
"$bin/bento" mount "$WORK/xv6.img" "$WORK/xv6" 2> /dev/null
echo "== mounted xv6fs (data=$DATA, $("$bin/bento" status | awk -v m="$WORK/xv6" '$1 == m { print $6 }'))"
per_file "$WORK/xv6"
umount "$WORK/xv6"

truncate -s 4G "$WORK/ext4.img"
mkfs.ext4 -q -F "$WORK/ext4.img"
mount -o loop,data=journal "$WORK/ext4.img" "$WORK/ext4"
echo "== ext4 data=journal"
per_file "$WORK/ext4"
