#!/usr/bin/env bash
# bench/apps.sh — xv6fs under real applications, beside ext4 data=journal and data=ordered on same-size images, in
# one run (a benchmark, not a test). Each workload runs on each file system in turn:
#   dbench            4 clients for RUNTIME seconds (MB/s)
#   fio fileserver, varmail, webserver   filebench's personalities as fio jobs (bench/fio/*.fio; IOPS)
#   sqlite WAL, sqlite DELETE            python3's sqlite3, ROWS inserts, one transaction per row (seconds)
#   redis             redis-server with appendonly yes and appendfsync always, redis-benchmark SET (requests/s)
#   rocksdb           db_bench fillseq, fillrandom --sync=1, readrandom, overwrite (ops/s)
#   git clone, git status                of a local repository of /usr/include (seconds)
# Prints one row per workload: each file system's figure, and xv6fs's ratio to each ext4 (above 1 = xv6fs
# better, whether the figure is a time or a rate); the last line is `worst ratio to ext4 data=journal: X (row)`.
# Rows also go to $CSV (default bench/results/apps.csv) and, as ratios, to bench/results/apps-ratios.csv for
# bench/compare_plot.py. Installs what it needs (dbench, fio, redis-server, rocksdb-tools, git) with apt-get.
#
# Needs root. RUNTIME=10 (seconds per time-based workload), ROWS=2000, OPS=100000, SIZE=8G; XV6FS_OPTIONS adds
# mount options for xv6fs (e.g. XV6FS_OPTIONS=writeback).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNTIME=${RUNTIME:-10}
ROWS=${ROWS:-2000}
OPS=${OPS:-100000}
SIZE=${SIZE:-8G}
CSV=${CSV:-bench/results/apps.csv}
BENCH=$(pwd)/bench
WORK=${WORK:-$(mktemp -d /var/tmp/apps.XXXXXX)}
[ "$(id -u)" = 0 ] || { echo "run as root (loop devices, mount)" >&2; exit 1; }

missing=()
for tool in dbench fio redis-server redis-benchmark db_bench git; do command -v "$tool" > /dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dbench fio redis-server rocksdb-tools git >&2
fi
swift build -c release --product bento >&2
BENTO="$(swift build -c release --show-bin-path)/bento"

. bench/images.sh
cleanup() {
    [ -n "${REDIS_PORT:-}" ] && redis-cli -p "$REDIS_PORT" shutdown nosave > /dev/null 2>&1
    release_images
}
trap cleanup EXIT
trap 'exit 130' INT TERM

KINDS=(ext4-journal ext4-ordered xv6fs)
now() { date +%s.%N; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

# The repository to clone: /usr/include, committed once.
mkdir -p "$WORK/repo"
cp -r /usr/include "$WORK/repo/include"
git -C "$WORK/repo" init -q && git -C "$WORK/repo" add -A \
    && git -C "$WORK/repo" -c user.name=bench -c user.email=bench@bento commit -qm include

# Each workload: prints one number on stdout, for the file system mounted at $1.
dbench_mbps() { dbench -D "$1" -t "$RUNTIME" 4 2>&1 | awk '/^Throughput/ { print $2 }'; }
fio_iops() {  # fio_iops DIR JOB
    DIR="$1" RUNTIME="$RUNTIME" fio --output-format=json "$BENCH/fio/$2.fio" 2> /dev/null | python3 -c '
import json, sys
jobs = json.load(sys.stdin)["jobs"]
print("%.0f" % sum(job["read"]["iops"] + job["write"]["iops"] for job in jobs))'
}
sqlite_seconds() {  # sqlite_seconds DIR MODE
    python3 - "$1/sqlite.db" "$2" "$ROWS" <<'PY'
import sqlite3, sys, time
path, mode, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=%s" % mode)
db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)")
start = time.perf_counter()
for i in range(rows):
    db.execute("BEGIN")
    db.execute("INSERT INTO t (payload) VALUES (?)", ("row %d " % i * 8,))
    db.execute("COMMIT")
print("%.3f" % (time.perf_counter() - start))
db.close()
PY
}
redis_rps() {
    REDIS_PORT=$((20000 + RANDOM % 20000))
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$1" --appendonly yes --appendfsync always --save "" \
        --daemonize yes --logfile "$1/redis.log" > /dev/null
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping > /dev/null 2>&1 && break; sleep 0.1; done
    redis-benchmark -p "$REDIS_PORT" -t set -n "$OPS" -c 8 -q 2> /dev/null | tr '\r' '\n' \
        | awk '/^SET: .* requests per second/ { print $2 }'
    redis-cli -p "$REDIS_PORT" shutdown nosave > /dev/null 2>&1 || true
    REDIS_PORT=""
}
rocksdb_ops() {  # rocksdb_ops DIR BENCHMARK [flags...]
    local dir=$1 name=$2; shift 2
    db_bench --db="$dir/rocksdb" --benchmarks="$name" --num="$OPS" --value_size=400 --compression_type=none \
        --threads=1 "$@" 2> /dev/null | awk -v b="$name" '$1 == b { for (i = 1; i < NF; i++) if ($(i + 1) == "ops/sec") print $i }'
}
git_clone_seconds() { local start; start=$(now); git clone -q --no-hardlinks "$WORK/repo" "$1/clone"; sync -f "$1/clone"; seconds_since "$start"; }
git_status_seconds() {
    sync; echo 3 > /proc/sys/vm/drop_caches
    local start; start=$(now); git -C "$1/clone" status --porcelain > /dev/null; seconds_since "$start"
}

# name | kind of figure (rate: higher is better; time: lower is better) | unit | command (given the mount point)
WORKLOADS=(
    "dbench 4 clients|rate|MB/s|dbench_mbps"
    "fio fileserver|rate|IOPS|fio_iops %s fileserver"
    "fio varmail|rate|IOPS|fio_iops %s varmail"
    "fio webserver|rate|IOPS|fio_iops %s webserver"
    "sqlite WAL $ROWS txns|time|s|sqlite_seconds %s WAL"
    "sqlite DELETE $ROWS txns|time|s|sqlite_seconds %s DELETE"
    "redis SET fsync always|rate|req/s|redis_rps"
    "rocksdb fillseq|rate|ops/s|rocksdb_ops %s fillseq"
    "rocksdb fillrandom sync|rate|ops/s|rocksdb_ops %s fillrandom --sync=1 --num=$((OPS / 10))"
    "rocksdb readrandom|rate|ops/s|rocksdb_ops %s readrandom --use_existing_db=1"
    "rocksdb overwrite|rate|ops/s|rocksdb_ops %s overwrite --use_existing_db=1"
    "git clone|time|s|git_clone_seconds"
    "git status|time|s|git_status_seconds"
)

declare -A R
for kind in "${KINDS[@]}"; do
    echo "measuring $kind..." >&2
    mnt=$(mount_fs "$kind")
    for workload in "${WORKLOADS[@]}"; do
        IFS='|' read -r name _ _ command <<< "$workload"
        # the rocksdb rows after fillseq reuse its database; every other workload starts from an empty directory
        case $command in *--use_existing_db*|git_status*) ;; *) mkdir -p "$mnt/w"; rm -rf "${mnt:?}/w"; mkdir "$mnt/w" ;; esac
        [[ $command == *%s* ]] && command=$(printf "$command" "$mnt/w") || command="$command $mnt/w"
        R[$kind,$name]=$($command || true)
        [ -n "${R[$kind,$name]}" ] || { echo "$name on $kind gave no figure" >&2; R[$kind,$name]=0; }
        case $name in "rocksdb fillrandom sync") rm -rf "$mnt/w/rocksdb" ;; esac
    done
    rm -rf "${mnt:?}/w"
    unmount_fs "$kind"
done

mkdir -p "$(dirname "$CSV")"
ratios_csv="$(dirname "$CSV")/apps-ratios.csv"
echo "workload,unit,ext4_journal,ext4_ordered,xv6fs,ratio_journal,ratio_ordered" > "$CSV"
echo "workload,config,ratio" > "$ratios_csv"
printf '%-28s %-6s %14s %14s %14s %10s %10s  %s\n' workload unit ext4-journal ext4-ordered xv6fs "/journal" "/ordered" target
worst="" worst_row=""
for workload in "${WORKLOADS[@]}"; do
    IFS='|' read -r name kind unit _ <<< "$workload"
    j=${R[ext4-journal,$name]} o=${R[ext4-ordered,$name]} x=${R[xv6fs,$name]}
    ratio() { awk -v k="$kind" -v b="$1" -v x="$x" 'BEGIN { if (b <= 0 || x <= 0) print "0.00"; else printf "%.2f", (k == "rate" ? x / b : b / x) }'; }
    rj=$(ratio "$j") ro=$(ratio "$o")
    verdict=$(awk -v a="$rj" -v b="$ro" 'BEGIN { print (a >= 0.9 && b >= 0.7 ? "met" : "MISSED") }')
    printf '%-28s %-6s %14s %14s %14s %10s %10s  %s\n' "$name" "$unit" "$j" "$o" "$x" "$rj" "$ro" "≥ 0.9×/0.7× $verdict"
    echo "$name,$unit,$j,$o,$x,$rj,$ro" >> "$CSV"
    echo "$name,xv6fs / ext4 data=journal,$rj" >> "$ratios_csv"
    echo "$name,xv6fs / ext4 data=ordered,$ro" >> "$ratios_csv"
    if [ -z "$worst" ] || awk -v a="$rj" -v w="$worst" 'BEGIN { exit !(a < w) }'; then worst=$rj worst_row=$name; fi
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -r); rows in $CSV" >&2
echo "worst ratio to ext4 data=journal: $worst ($worst_row)"
