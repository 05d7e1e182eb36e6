#!/usr/bin/env bash
# Benchmark: memfs vs tmpfs and passthrough-over-ext4 vs plain ext4, in one run.
#
# Builds bento in release mode, makes an ext4 loop image, mounts tmpfs, memfs, the ext4 image and a passthrough
# mount of a directory on that same ext4, then times on each:
#   create / stat / delete of 20,000 files (xargs touch, xargs stat, xargs rm; one directory),
#   a 1 GiB sequential write (dd bs=1M conv=fsync) and read (dd bs=1M),
#   untar (tar x) and tar c of a deterministic tree of 50,000 small files.
# Caches are dropped (echo 3 > /proc/sys/vm/drop_caches) before every stat, delete, read and tar c, so those
# reach the file system instead of the kernel's caches. On tmpfs, dropping caches cannot evict anything (the
# page cache is its storage); on memfs it empties the kernel's page and dentry caches over the daemon.
# Prints: workload, fs, seconds, baseline fs, baseline seconds, ratio = baseline time / our time (1.0 = as fast
# as the kernel file system, higher is better), and the project's target where there is one.
#
# Run as root: bench/metadata.sh. BENTO_BENCH_SCALE=0.1 shrinks every size for a quick run.
# BENTO_BENCH_OPTIONS adds -o options to both bento mounts (e.g. threads=4).
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "run as root: the benchmark mounts tmpfs, ext4 and FUSE file systems" >&2; exit 1; }
scale=${BENTO_BENCH_SCALE:-1}
scaled() { awk -v n="$1" -v s="$scale" 'BEGIN { v = int(n * s); print (v < 1 ? 1 : v) }'; }
files=$(scaled 20000)
file_mib=$(scaled 1024)
tree_files=$(scaled 50000)
options=${BENTO_BENCH_OPTIONS:+-o $BENTO_BENCH_OPTIONS}

echo "building bento (release)..." >&2
swift build -c release --product bento >&2
bento="$(swift build -c release --show-bin-path)/bento"

work=$(mktemp -d /tmp/bento-bench.XXXXXX)
loop=""
cleanup() {
  set +e
  cd /
  for mountpoint in "$work/passthrough" "$work/memfs" "$work/ext4" "$work/tmpfs"; do
    if mountpoint -q "$mountpoint"; then umount "$mountpoint" 2>/dev/null || umount -l "$mountpoint"; fi
  done
  [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work"/{tmpfs,memfs,ext4,passthrough,source}
image_gib=$(awk -v m="$file_mib" 'BEGIN { print int(m * 2 / 1024) + 3 }')
mount -t tmpfs -o size=$((file_mib * 2 + 2048))m bench-tmpfs "$work/tmpfs"
truncate -s "${image_gib}G" "$work/ext4.img"
mkfs.ext4 -q -F "$work/ext4.img"
loop=$(losetup --find --show "$work/ext4.img")
mount "$loop" "$work/ext4"
mkdir "$work/ext4/plain" "$work/ext4/backing"
# shellcheck disable=SC2086
"$bento" mount --fs memfs $options bench "$work/memfs"
# shellcheck disable=SC2086
passthrough_ok=true
"$bento" mount --fs passthrough $options "$work/ext4/backing" "$work/passthrough" || passthrough_ok=false

# The tree for tar: $tree_files files of 0-4 KiB in directories of 500, same bytes every run.
echo "generating a tree of $tree_files files..." >&2
(
  cd "$work/source"
  pad=$(printf 'bento%.0s' {1..820})
  for ((i = 0; i < tree_files; i++)); do
    if ((i % 500 == 0)); then dir=$(printf 'dir%04d' $((i / 500))); mkdir "$dir"; fi
    printf '%d %s\n' "$i" "${pad:0:$(((i * 7919) % 4096))}" > "$dir/file$i"
  done
  tar -cf "$work/tree.tar" .
)
[ "$(tar -tf "$work/tree.tar" | grep -vc '/$')" = "$tree_files" ] || { echo "tree generation failed" >&2; exit 1; }

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; }
now() { date +%s.%N; }
# seconds DIRECTORY COMMAND...: runs COMMAND in DIRECTORY, prints the elapsed seconds.
seconds() {
  local dir=$1; shift
  local start end
  start=$(now)
  (cd "$dir" && "$@") >/dev/null
  end=$(now)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }'
}

names() { seq -f 'f%g' 1 "$files"; }
create() { names | xargs touch; }
stat_all() { names | xargs stat -c %s; }
delete() { names | xargs rm; }
write_file() { dd if=/dev/zero of=big bs=1M count="$file_mib" conv=fsync status=none; }
read_file() { dd if=big of=/dev/null bs=1M status=none; }
untar() { tar -xf "$work/tree.tar"; }
tar_c() { tar -cf - . | cat > /dev/null; }

results=()
# measure FS DIRECTORY: runs every workload in DIRECTORY/run, appends "workload fs seconds" to results.
measure() {
  local fs=$1 dir=$2/run
  mkdir "$dir"
  results+=("create_${files}_files $fs $(seconds "$dir" create)")
  drop_caches; results+=("stat_${files}_files $fs $(seconds "$dir" stat_all)")
  drop_caches; results+=("delete_${files}_files $fs $(seconds "$dir" delete)")
  results+=("write_${file_mib}MiB $fs $(seconds "$dir" write_file)")
  drop_caches; results+=("read_${file_mib}MiB $fs $(seconds "$dir" read_file)")
  rm -f "$dir/big"
  results+=("untar_${tree_files}_files $fs $(seconds "$dir" untar)")
  drop_caches; results+=("tar_c_${tree_files}_files $fs $(seconds "$dir" tar_c)")
  rm -rf "$dir"
}

for pair in "tmpfs $work/tmpfs" "memfs $work/memfs" "ext4 $work/ext4/plain" "passthrough $work/passthrough"; do
  set -- $pair
  if [ "$1" = passthrough ] && ! $passthrough_ok; then echo "passthrough did not mount: skipped" >&2; continue; fi
  echo "measuring $1..." >&2
  measure "$1" "$2"
done

target() {
  case "$1 $2" in
    "untar_"*" memfs" | "untar_"*" passthrough") echo 0.5 ;;
    "write_"*" "* | "read_"*" "*) echo 0.8 ;;
    *) echo "" ;;
  esac
}

printf '%-22s %-12s %9s %-9s %9s %7s  %s\n' workload fs seconds baseline seconds ratio target
for line in "${results[@]}"; do
  set -- $line
  case "$2" in memfs) base=tmpfs ;; passthrough) base=ext4 ;; *) continue ;; esac
  base_seconds=$(printf '%s\n' "${results[@]}" | awk -v w="$1" -v f="$base" '$1 == w && $2 == f { print $3 }')
  ratio=$(awk -v b="$base_seconds" -v o="$3" 'BEGIN { printf "%.2f", (o > 0 ? b / o : 0) }')
  goal=$(target "$1" "$2")
  verdict=""
  [ -n "$goal" ] && verdict="≥ ${goal}× $(awk -v r="$ratio" -v g="$goal" 'BEGIN { print (r >= g ? "met" : "MISSED") }')"
  printf '%-22s %-12s %9s %-9s %9s %7s  %s\n' "$1" "$2" "$3" "$base" "$base_seconds" "$ratio" "$verdict"
done
