#!/usr/bin/env bash
# bench/xv6fs.sh — a benchmark (not a test): xv6fs against ext4 data=journal and data=ordered, each on a
# same-size image (ext4 on a loop device, xv6fs through `bento mount`), with real programs:
# untar and tar of a generated source tree, grep -r, git clone of a local repository, creating and deleting many
# small files, a sequential write and read, and fio random 4 KiB writes with fsync.
# Prints a table of seconds and ratios (ext4 time / xv6fs time: above 1 means xv6fs is faster); the last line is
# `worst ratio to ext4 data=journal: <x> (<row>)`. Needs root. Scale with the variables below; XV6FS_OPTIONS adds
# mount options for xv6fs (e.g. XV6FS_OPTIONS=writeback).
# provfs (xv6fs recording provenance) runs beside xv6fs unless KINDS leaves it out: its column, its ratio to xv6fs
# (xv6fs time / provfs time: 0.90 is 10 % slower), and the size of its log per 10,000 requests and per record.
# ROUNDS=N runs every kind N times, the kinds taking turns within each round (so that a slow spell of the disk
# falls on all of them; even rounds in reverse order), and reports each row's median: on this VM's disk a single run varies by 15-25 %.
set -euo pipefail

SIZE=${SIZE:-8G}                 # each image
TREE_FILES=${TREE_FILES:-30000}  # files in the untar/tar/grep/clone tree
SMALL_FILES=${SMALL_FILES:-50000}
SEQ_MB=${SEQ_MB:-2048}
FIO_MB=${FIO_MB:-32}             # random 4 KiB writes, each followed by fsync
ROUNDS=${ROUNDS:-1}
BENTO=${BENTO:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/bento}
WORK=${WORK:-$(mktemp -d /var/tmp/xv6bench.XXXXXX)}
[ "$(id -u)" = 0 ] || { echo "run as root (loop devices, mount)" >&2; exit 1; }
[ -x "$BENTO" ] || { echo "build first: swift build -c release --product bento" >&2; exit 1; }

. "$(dirname "$0")/images.sh"
trap release_images EXIT

now() { date +%s.%N; }
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }

# The source material, made once on the host's disk.
make_sources() {
    local src="$WORK/src"
    mkdir -p "$src"
    python3 - "$src" "$TREE_FILES" <<'PY'
import os, random, sys
root, count = sys.argv[1], int(sys.argv[2])
random.seed(42)
words = [f"word{i}" for i in range(5000)]
for i in range(count):
    d = os.path.join(root, f"dir{i % 300:03d}", f"sub{(i // 300) % 10}")
    os.makedirs(d, exist_ok=True)
    size = int(random.paretovariate(1.2) * 600) % 200000
    text = " ".join(random.choices(words, k=max(1, size // 9)))
    with open(os.path.join(d, f"file{i}.c"), "w") as f:
        f.write(text + ("\nneedle\n" if i % 1000 == 0 else "\n"))
PY
    tar -cf "$WORK/src.tar" -C "$src" .
    git init -q "$WORK/repo"
    cp -r "$src"/dir00* "$WORK/repo/"
    git -C "$WORK/repo" add -A && git -C "$WORK/repo" -c user.email=b@b -c user.name=b commit -qm one
}

declare -A T
# timed KIND ROW COMMAND...: runs the command (then sync) and adds its seconds to the row's list.
timed() {
    local kind=$1 row=$2; shift 2
    local start; start=$(now)
    "$@"
    sync
    T[$kind,$row]="${T[$kind,$row]:-} $(echo "$(now) - $start" | bc)"
}

# median KIND ROW: the median of the row's seconds over the rounds.
median() {
    tr ' ' '\n' <<< "${T[$1,$2]}" | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

run_all() {
    local kind=$1 mnt
    mnt=$(mount_fs "$kind")
    drop; timed "$kind" "untar" tar -xf "$WORK/src.tar" -C "$mnt"
    drop; timed "$kind" "tar" bash -c "tar -cf - -C '$mnt' . | cat > /dev/null"
    drop; timed "$kind" "grep -r" bash -c "grep -r needle '$mnt' > /dev/null"
    drop; timed "$kind" "git clone" git clone -q "$WORK/repo" "$mnt/clone"
    timed "$kind" "create $SMALL_FILES" python3 -c "
import os, sys
d = sys.argv[1]; os.mkdir(d)
for i in range(int(sys.argv[2])):
    with open(f'{d}/s{i}', 'w') as f: f.write('x')" "$mnt/many" "$SMALL_FILES"
    timed "$kind" "delete $SMALL_FILES" rm -rf "$mnt/many"
    timed "$kind" "write ${SEQ_MB} MiB" dd if=/dev/zero of="$mnt/big" bs=1M count="$SEQ_MB" conv=fsync status=none
    drop; timed "$kind" "read ${SEQ_MB} MiB" dd if="$mnt/big" of=/dev/null bs=1M status=none
    rm -f "$mnt/big"; sync
    timed "$kind" "fio randwrite+fsync" fio --name=r --filename="$mnt/fio" --size="${FIO_MB}M" --rw=randwrite --bs=4k \
        --fsync=1 --ioengine=psync --output=/dev/null
    if [ "$kind" = provfs ]; then
        # The log against the requests that made it: bento stats counts each operation under its name, beside
        # that name's _p50_ns (the file system's own counters have none).
        "$BENTO" stats "$mnt" | awk '{ value[$2] = $3 }
            END { for (name in value) if (name ~ /_p50_ns$/) requests += value[substr(name, 1, length(name) - 7)]
                  bytes = value["log_bytes"]; records = value["log_records_appended"]
                  printf "provfs log: %d bytes, %d records (%.0f bytes each), %d requests: %.0f KiB per 10,000 requests\n",
                         bytes, records, bytes / records, requests, bytes / requests * 10000 / 1024 }' > "$WORK/provfs-log.txt"
    fi
    unmount_fs "$kind"
}

make_sources
read -r -a kinds <<< "${KINDS:-ext4-journal ext4-ordered xv6fs provfs}"
for round in $(seq "$ROUNDS"); do
    order=("${kinds[@]}")
    # Even rounds run the kinds in reverse, so that none always follows the same one.
    if [ $((round % 2)) = 0 ]; then order=(); for ((i = ${#kinds[@]} - 1; i >= 0; i--)); do order+=("${kinds[i]}"); done; fi
    for kind in "${order[@]}"; do run_all "$kind"; done
done
has_provfs=0; [[ " ${kinds[*]} " == *" provfs "* ]] && has_provfs=1

rows=("untar" "tar" "grep -r" "git clone" "create $SMALL_FILES" "delete $SMALL_FILES" "write ${SEQ_MB} MiB" "read ${SEQ_MB} MiB" "fio randwrite+fsync")
printf "%-22s %12s %12s %10s %14s %14s" "seconds" "ext4 journal" "ext4 ordered" "xv6fs" "ratio/journal" "ratio/ordered"
[ "$has_provfs" = 1 ] && printf " %10s %12s" "provfs" "xv6fs/provfs"
echo
worst="" worst_row="" prov_worst="" prov_row=""
for row in "${rows[@]}"; do
    j=$(median ext4-journal "$row") o=$(median ext4-ordered "$row") x=$(median xv6fs "$row")
    rj=$(printf '%.2f' "$(echo "scale=4; $j / $x" | bc)") ro=$(printf '%.2f' "$(echo "scale=4; $o / $x" | bc)")
    printf "%-22s %12.2f %12.2f %10.2f %14s %14s" "$row" "$j" "$o" "$x" "$rj" "$ro"
    if [ "$has_provfs" = 1 ]; then
        p=$(median provfs "$row") rp=$(printf '%.2f' "$(echo "scale=4; $x / $p" | bc)")
        printf " %10.2f %12s" "$p" "$rp"
        if [ -z "$prov_worst" ] || [ "$(echo "$rp < $prov_worst" | bc)" = 1 ]; then prov_worst=$rp prov_row=$row; fi
    fi
    echo
    if [ -z "$worst" ] || [ "$(echo "$rj < $worst" | bc)" = 1 ]; then worst=$rj worst_row=$row; fi
done
[ "$ROUNDS" -gt 1 ] && echo "medians of $ROUNDS rounds"
if [ "$has_provfs" = 1 ]; then
    cat "$WORK/provfs-log.txt"
    echo "provfs against xv6fs, worst: $prov_worst ($prov_row)"
fi
echo "worst ratio to ext4 data=journal: $worst ($worst_row)"
