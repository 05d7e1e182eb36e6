#!/usr/bin/env bash
# bench/data-cpu.sh — where a FUSE mount's sequential data time goes: CPU seconds, not just wall time.
# Writes 1 GiB (dd bs=1M conv=fsync) and reads it back (dd bs=1M) ROUNDS times on tmpfs and on memfs over each
# transport, and prints per round: wall seconds, the reader's/writer's kernel time (dd's system time: copying
# between its buffer and the page cache, allocating pages, queueing requests) and the daemon's user and system
# time (its own copies; the kernel's copies between its buffers and the page cache, and its page faults).
# Before each read only the file's pages are dropped (dd iflag=nocache count=0), so memfs serves it again; tmpfs
# keeps its pages (they are its storage). What bounds a ratio to tmpfs: the kernel's share alone, which no daemon
# can remove. Needs root. ROUNDS (default 3), TRANSPORTS (default "dev uring").
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
TRANSPORTS=${TRANSPORTS:-dev uring}
WORK=${WORK:-$(mktemp -d /tmp/bento-data-cpu.XXXXXX)}
[ "$(id -u)" = 0 ] || { echo "run as root (mount)" >&2; exit 1; }

cleanup() {
    for m in "$WORK/memfs" "$WORK/tmpfs"; do mountpoint -q "$m" 2>/dev/null && { umount "$m" 2>/dev/null || umount -l "$m"; }; done
    rm -rf "$WORK"
}
trap cleanup EXIT

swift build -c release --product bento >&2
bento="$(swift build -c release --show-bin-path)/bento"
ticks=$(getconf CLK_TCK)
mkdir -p "$WORK/memfs" "$WORK/tmpfs"

# cpu PID: the process's user and system time so far, in clock ticks ("0 0" without a process).
cpu() { if [ -n "$1" ]; then awk '{ print $14, $15 }' "/proc/$1/stat"; else echo 0 0; fi; }
# timed COMMAND...: "wall dd-system" of one dd run.
timed() { { /usr/bin/time -f '%e %S' "$@"; } 2>&1; }

# measure LABEL DIRECTORY PID: ROUNDS rounds of write then read in DIRECTORY; PID is the daemon ("" for none).
measure() {
    local label=$1 dir=$2 pid=$3
    for ((round = 1; round <= ROUNDS; round++)); do
        local u0 s0 u1 s1 u2 s2 u3 s3 write read
        read -r u0 s0 < <(cpu "$pid")
        write=$(timed dd if=/dev/zero of="$dir/big" bs=1M count=1024 conv=fsync status=none)
        read -r u1 s1 < <(cpu "$pid")
        dd if="$dir/big" iflag=nocache count=0 status=none
        read -r u2 s2 < <(cpu "$pid")
        read=$(timed dd if="$dir/big" of=/dev/null bs=1M status=none)
        read -r u3 s3 < <(cpu "$pid")
        rm -f "$dir/big"
        awk -v l="$label" -v w="$write" -v r="$read" -v t="$ticks" \
            -v wu=$((u1 - u0)) -v ws=$((s1 - s0)) -v ru=$((u3 - u2)) -v rs=$((s3 - s2)) 'BEGIN {
                split(w, a, " "); split(r, b, " ")
                printf "%-12s %6.2f %7.2f %7.2f %7.2f   %6.2f %7.2f %7.2f %7.2f\n", l,
                    a[1], a[2], wu / t, ws / t, b[1], b[2], ru / t, rs / t }'
    done
}

printf "%-12s %6s %7s %7s %7s   %6s %7s %7s %7s\n" "" "write" "dd-sys" "d-user" "d-sys" "read" "dd-sys" "d-user" "d-sys"
mount -t tmpfs -o size=3g bench-tmpfs "$WORK/tmpfs"
measure tmpfs "$WORK/tmpfs" ""
umount "$WORK/tmpfs"
for transport in $TRANSPORTS; do
    "$bento" mount --fs memfs -o "transport=$transport" bench "$WORK/memfs" > /dev/null
    measure "memfs-$transport" "$WORK/memfs" "$(pgrep -n -f "bento.*$WORK/memfs")"
    umount "$WORK/memfs"
    sleep 1
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -r)"
