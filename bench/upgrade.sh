#!/usr/bin/env bash
# Live upgrade under load: scripts/upgrade_load.py runs 10 writer threads (create, write, fsync, read back, unlink)
# and a reader on a mount while `bento upgrade` alternates the file system between two module builds once a
# second. Prints the pause of each upgrade (as the daemon measured it: from closing the gate to reopening it),
# the throughput in 10 ms buckets around each upgrade against the run's median, and writes
#   $OUT/throughput.csv (start_ms,ops per 10 ms), $OUT/upgrades.csv, $OUT/upgrade.svg (throughput, upgrades marked).
# Not a test. The last line reads
#   upgrade pause p50=<µs>us p99=<µs>us max=<µs>us upgrades=<n> failed_ops=<n>
#
# The pause is split into drain (requests in flight leaving: for xv6fs, an fsync's device flushes), prepare and
# resume; BENTO_UPGRADE_IMAGE_DIR puts xv6fs's image elsewhere (e.g. /dev/shm, where a flush costs nothing, to
# see the upgrade's own cost apart from the disk's).
#
# provfs alternates xv6fs with provfs on one image: provenance tracking turned on and off under the load.
# xv6fs-daemon and memfs-daemon hand the whole mount to a new daemon process each time (`bento upgrade --daemon`,
# the built-in type on -o transport=dev); the pause is the old daemon's phases (stopping its workers, drain,
# prepare, the transfer with the new daemon's resume) plus the new daemon's start. BENTO_UPGRADE_EVERY sets the
# seconds between upgrades (default 1).
#
#   BENTO_UPGRADE_SECONDS=20 BENTO_UPGRADE_FS=memfs|xv6fs|provfs|xv6fs-daemon|memfs-daemon BENTO_UPGRADE_IMAGE_DIR=/tmp OUT=/tmp/bento-upgrade bench/upgrade.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TOTAL=${BENTO_UPGRADE_SECONDS:-20}
FS=${BENTO_UPGRADE_FS:-memfs}
OUT=${OUT:-/tmp/bento-upgrade}
case "$FS" in
    memfs) V1=MemFSModuleV1 V2=MemFSModuleV2 ;;
    xv6fs) V1=XV6FSModuleV1 V2=XV6FSModuleV2 ;;
    provfs) V1=XV6FSModuleV1 V2=ProvFSModule ;;
    xv6fs-daemon|memfs-daemon) V1="" V2="" ;;
    *) echo "BENTO_UPGRADE_FS must be memfs, xv6fs, provfs, xv6fs-daemon or memfs-daemon" >&2; exit 2 ;;
esac
EVERY=${BENTO_UPGRADE_EVERY:-1}

for product in bento $V1 $V2; do swift build -c release --product "$product" >/dev/null; done
BIN="$(swift build -c release --show-bin-path)"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/bento-upgrade-bench.XXXXXX)
IMAGE=$(mktemp -u "${BENTO_UPGRADE_IMAGE_DIR:-$WORK}/bento-upgrade-image.XXXXXX")
trap 'umount "$WORK/mnt" 2>/dev/null || umount -l "$WORK/mnt" 2>/dev/null || true; rm -rf "$WORK" "$IMAGE"' EXIT
mkdir "$WORK/mnt"
if [ "${FS#memfs}" = "$FS" ]; then
    "$BIN/bento" mkfs --size 512M "$IMAGE" >/dev/null
    SOURCE="$IMAGE"
else
    SOURCE=bench
fi
if [ -z "$V1" ]; then
    "$BIN/bento" mount --fs "${FS%-daemon}" -o transport=dev "$SOURCE" "$WORK/mnt"
    MODULES=daemon WHAT="a new daemon"
else
    "$BIN/bento" mount --fs "$BIN/lib$V1.so" "$SOURCE" "$WORK/mnt"
    MODULES="$BIN/lib$V2.so,$BIN/lib$V1.so" WHAT="$V1 <-> $V2"
fi

echo "== $FS: 10 writers + 1 reader for ${SECONDS_TOTAL}s, an upgrade every ${EVERY}s ($WHAT), $(nproc) cores${BENTO_UPGRADE_IMAGE_DIR:+, image in $BENTO_UPGRADE_IMAGE_DIR} =="
SUMMARY=$(python3 scripts/upgrade_load.py "$WORK/mnt" --bento "$BIN/bento" --modules "$MODULES" \
    --seconds "$SECONDS_TOTAL" --every "$EVERY" --buckets "$OUT/throughput.csv" --upgrades "$OUT/upgrades.csv" | tail -1)
umount "$WORK/mnt"
python3 bench/upgrade_report.py "$OUT/throughput.csv" "$OUT/upgrades.csv" "$OUT/upgrade.svg" "$FS" "$SUMMARY"
