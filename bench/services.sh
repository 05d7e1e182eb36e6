#!/usr/bin/env bash
# BentoServices throughput: buffer-cache get/release (hits, misses) and FileBlockDevice 4 KiB sequential and random
# reads/writes on an image file, each next to fio doing the same (psync engine, bs=4k, one job, time-based) on the
# same image, buffered and O_DIRECT, with the ratio ours/fio. Not a test: it prints figures.
#
#   IMAGE=/var/tmp/x.img SIZE_MB=256 RUNTIME=3 bench/services.sh
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-/var/tmp/bento-bench-services.img}
SIZE_MB=${SIZE_MB:-256}
RUNTIME=${RUNTIME:-3}

command -v fio >/dev/null || apt-get install -y fio >/dev/null
swift build -c release --product ServicesBenchmark >/dev/null
BIN="$(swift build -c release --show-bin-path)/ServicesBenchmark"

trap 'rm -f "$IMAGE"' EXIT
dd if=/dev/zero of="$IMAGE" bs=1M count="$SIZE_MB" conv=fsync status=none
# Both sides start from the same caches: the page cache holds the image (fio's invalidate=0 keeps it), and one
# direct pass warms whatever the storage below keeps, so neither side pays a first read the other does not.
dd if="$IMAGE" of=/dev/null bs=1M status=none
dd if="$IMAGE" of=/dev/null bs=1M iflag=direct status=none

echo "== buffer cache (4 KiB blocks, in-memory device) =="
"$BIN" cache "$RUNTIME"

echo
echo "== FileBlockDevice vs fio: 4 KiB, psync, 1 job, ${SIZE_MB} MiB image on $(df --output=fstype "$(dirname "$IMAGE")" | tail -1), ${RUNTIME}s each =="
printf '%-10s %-6s %12s %10s %12s %10s %8s\n' mode direct "ours MB/s" "ours IOPS" "fio MB/s" "fio IOPS" ratio
for direct in 0 1; do
    for mode in read write randread randwrite; do
        read -r ours_mb ours_iops < <("$BIN" device "$IMAGE" "$mode" "$direct" "$RUNTIME")
        fio_iops=$(fio --name=bench --filename="$IMAGE" --bs=4k --ioengine=psync --rw="$mode" --direct="$direct" \
            --size="${SIZE_MB}M" --time_based --runtime="$RUNTIME" --randrepeat=0 --norandommap --invalidate=0 \
            --output-format=json | python3 -c '
import json, sys
job = json.load(sys.stdin)["jobs"][0]
side = job["read"] if job["read"]["io_bytes"] > 0 else job["write"]
print(round(side["iops"]))')
        fio_mb=$(python3 -c "print(f'{$fio_iops * 4096 / 1048576:.1f}')")
        ratio=$(python3 -c "print(f'{$ours_iops / $fio_iops:.2f}')")
        printf '%-10s %-6s %12s %10s %12s %10s %8s\n' "$mode" "$direct" "$ours_mb" "$ours_iops" "$fio_mb" "$fio_iops" "$ratio"
    done
done
