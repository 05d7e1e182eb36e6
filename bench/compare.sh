#!/usr/bin/env bash
# The comparison benchmark: memfs beside tmpfs and passthrough beside ext4, on every transport and cache setting,
# in one run, with the FUSE requests each workload cost per file.
#
# Builds bento in release mode, makes an ext4 loop image, mounts tmpfs and ext4 (the baselines) and, one after
# another, each Bento configuration (CONFIGS below), and times on each:
#   untar, tar c, grep -r, git clone and rm -rf of a deterministic tree of 50,000 small files and of a copy of
#   /usr/include; create / stat / delete of 20,000 files (xargs touch, stat, rm; one directory);
#   a 1 GiB sequential write (dd bs=1M conv=fsync) and read (dd bs=1M), three times each (the median is reported:
#   one run of a disk-bound copy varies by 20 % here).
# Beside them run the C anchors, libfuse's own memfs_ll and passthrough_hp over io_uring (bench/anchors.sh builds
# them from a pinned libfuse release; BENTO_BENCH_ANCHORS=0 skips them, LIBFUSE_SOURCE names a local clone). A
# workload that fails on a configuration (memfs_ll has no symlinks) is reported as failed, not timed.
# Caches are dropped (echo 3 > /proc/sys/vm/drop_caches) before every workload that reads what an earlier one
# wrote (tar c, grep, clone, rm, stat, delete, read), so those reach the file system, not the kernel's caches. On
# tmpfs that evicts nothing (the page cache is its storage); on a FUSE mount it empties the kernel's caches over
# the daemon.
#
# Prints one row per workload and configuration: seconds, the baseline's seconds in the same run, ratio = baseline
# time / ours (1.0 = as fast as the kernel file system, higher is better), FUSE requests per file or directory
# (from `bento stats`: every request the workload caused, divided by the entries it touched) and the issue's target
# where there is one. Writes the rows as CSV to $BENTO_BENCH_CSV (default bench/results/compare.csv) for
# bench/compare_plot.py.
#
# Run as root: bench/compare.sh. BENTO_BENCH_SCALE=0.1 shrinks every size for a quick run; BENTO_BENCH_CONFIGS
# picks configurations (space-separated names from CONFIGS, e.g. "memfs-dev memfs-uring").
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "run as root: the benchmark mounts tmpfs, ext4 and FUSE file systems" >&2; exit 1; }
scale=${BENTO_BENCH_SCALE:-1}
scaled() { awk -v n="$1" -v s="$scale" 'BEGIN { v = int(n * s); print (v < 1 ? 1 : v) }'; }
files=$(scaled 20000)
file_mib=$(scaled 1024)
tree_files=$(scaled 50000)
csv=${BENTO_BENCH_CSV:-bench/results/compare.csv}

# name  file system  -o options  baseline
CONFIGS=(
  "memfs-dev memfs transport=dev tmpfs"
  "memfs-uring memfs transport=uring tmpfs"
  "memfs-dev-writeback memfs transport=dev,writeback tmpfs"
  "memfs-uring-writeback memfs transport=uring,writeback tmpfs"
  "passthrough-dev passthrough transport=dev ext4"
  "passthrough-uring passthrough transport=uring ext4"
  "passthrough-uring-always passthrough transport=uring,cache=always ext4"
  "libfuse-memfs_ll-uring anchor:memfs_ll io_uring,no_timeout tmpfs"
  "libfuse-passthrough_hp-uring anchor:passthrough_hp io_uring ext4"
)
wanted=${BENTO_BENCH_CONFIGS:-}

echo "building bento (release)..." >&2
swift build -c release --product bento >&2
bento="$(swift build -c release --show-bin-path)/bento"
anchors=""
if [ "${BENTO_BENCH_ANCHORS:-1}" != 0 ]; then
  anchors=$(bench/anchors.sh) || { anchors=""; echo "the libfuse anchors did not build: skipped" >&2; }
fi

work=$(mktemp -d /tmp/bento-compare.XXXXXX)
loop=""
cleanup() {
  set +e
  cd /
  for mountpoint in "$work/bento" "$work/ext4" "$work/tmpfs"; do
    if mountpoint -q "$mountpoint"; then umount "$mountpoint" 2>/dev/null || umount -l "$mountpoint"; fi
  done
  [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work"/{tmpfs,ext4,bento,source,include}
image_gib=$(awk -v m="$file_mib" 'BEGIN { print int(m * 2 / 1024) + 4 }')
mount -t tmpfs -o size=$((file_mib * 2 + 3072))m bench-tmpfs "$work/tmpfs"
truncate -s "${image_gib}G" "$work/ext4.img"
mkfs.ext4 -q -F "$work/ext4.img"
loop=$(losetup --find --show "$work/ext4.img")
mount "$loop" "$work/ext4"

# The trees: $tree_files files of 0-4 KiB in directories of 500 (same bytes every run), and /usr/include, each as
# a tar archive and a git repository to clone.
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
tar -C /usr -cf "$work/include.tar" include
for tree in source include; do
  [ "$tree" = include ] && tar -C "$work/include" -xf "$work/include.tar"
  git -C "$work/$tree" init -q && git -C "$work/$tree" add -A \
    && git -C "$work/$tree" -c user.name=bench -c user.email=bench@bento commit -qm tree
done
tree_entries=$(tar -tf "$work/tree.tar" | wc -l)
include_entries=$(tar -tf "$work/include.tar" | wc -l)

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; }
now() { date +%s.%N; }
# requests MOUNTPOINT: every request the Bento mount has served so far; "-" where nobody counts them (a kernel
# file system, a libfuse anchor).
requests() {
  [ -n "$1" ] || { echo -; return; }
  "$bento" stats "$1" | awk '$2 != "outstanding_lookups" && $2 != "unknown" && $3 ~ /^[0-9]+$/ { s += $3 } END { print s + 0 }'
}

names() { seq -f 'f%g' 1 "$files"; }
create() { names | xargs touch; }
stat_all() { names | xargs stat -c %s; }
delete() { names | xargs rm; }
write_file() { dd if=/dev/zero of=big bs=1M count="$file_mib" conv=fsync status=none; }
read_file() { dd if=big of=/dev/null bs=1M status=none; rm -f big; }
untar() { mkdir "$1" && tar -C "$1" -xf "$work/$1.tar"; }
tar_c() { tar -cf - "$1" | cat > /dev/null; }
grep_r() { grep -r -c bento-never-there "$1" > /dev/null || true; }
clone() { git clone -q --no-hardlinks "$work/$2" "clone-$1"; }
remove() { rm -rf "$1" "clone-$1"; }

rows=()
# run LABEL CONFIG MOUNTPOINT ENTRIES DROP DIRECTORY COMMAND...: times COMMAND in DIRECTORY (after dropping the
# caches when DROP is 1) and appends "LABEL config seconds requests-per-entry" to rows; seconds is "failed" when
# COMMAND fails (its first error is printed).
run() {
  local label=$1 config=$2 mountpoint=$3 entries=$4 drop=$5 dir=$6
  shift 6
  [ "$drop" = 1 ] && drop_caches
  local before start end after seconds per=-
  before=$(requests "$mountpoint")
  start=$(now)
  if (cd "$dir" && "$@") > /dev/null 2> "$work/run.err"; then
    end=$(now)
    seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
  else
    seconds=failed
    echo "$label on $config failed: $(head -1 "$work/run.err")" >&2
  fi
  after=$(requests "$mountpoint")
  [ "$before" != - ] && per=$(awk -v r=$((after - before)) -v e="$entries" 'BEGIN { printf "%.2f", r / e }')
  rows+=("$label $config $seconds $per")
}

# measure CONFIG DIRECTORY MOUNTPOINT: every workload in DIRECTORY/run.
measure() {
  local config=$1 dir=$2/run mountpoint=$3
  mkdir "$dir"
  for tree in tree include; do
    local entries source
    if [ "$tree" = tree ]; then entries=$tree_entries source=source; else entries=$include_entries source=include; fi
    run "untar_$tree" "$config" "$mountpoint" "$entries" 0 "$dir" untar "$tree"
    run "tar_c_$tree" "$config" "$mountpoint" "$entries" 1 "$dir" tar_c "$tree"
    run "grep_r_$tree" "$config" "$mountpoint" "$entries" 1 "$dir" grep_r "$tree"
    run "git_clone_$tree" "$config" "$mountpoint" "$entries" 1 "$dir" clone "$tree" "$source"
    run "rm_rf_$tree" "$config" "$mountpoint" "$((entries * 2))" 1 "$dir" remove "$tree"
  done
  run "create_$files" "$config" "$mountpoint" "$files" 0 "$dir" create
  run "stat_$files" "$config" "$mountpoint" "$files" 1 "$dir" stat_all
  run "delete_$files" "$config" "$mountpoint" "$files" 1 "$dir" delete
  for _ in 1 2 3; do
    run "write_${file_mib}MiB" "$config" "$mountpoint" "$file_mib" 0 "$dir" write_file
    run "read_${file_mib}MiB" "$config" "$mountpoint" "$file_mib" 1 "$dir" read_file
  done
  rm -rf "$dir"
}

echo "measuring tmpfs..." >&2
measure tmpfs "$work/tmpfs" ""
echo "measuring ext4..." >&2
mkdir "$work/ext4/plain" "$work/ext4/backing"
measure ext4 "$work/ext4/plain" ""
for config in "${CONFIGS[@]}"; do
  set -- $config
  name=$1 fs=$2 options=$3
  if [ -n "$wanted" ] && ! [[ " $wanted " == *" $name "* ]]; then continue; fi
  source=bench
  [[ "$fs" == *passthrough* ]] && source="$work/ext4/backing"
  case "$fs" in
    anchor:*)
      [ -n "$anchors" ] || continue
      # The anchors daemonize once mounted; passthrough_hp takes the source directory first.
      if [ "$fs" = anchor:memfs_ll ]; then set -- "$anchors/memfs_ll" -o "$options" "$work/bento"
      else set -- "$anchors/passthrough_hp" -o "$options" "$source" "$work/bento"; fi
      counted="" ;;
    *) set -- "$bento" mount --fs "$fs" -o "$options" "$source" "$work/bento"; counted="$work/bento" ;;
  esac
  if ! "$@" 2> "$work/mount.err" > /dev/null || ! mountpoint -q "$work/bento"; then
    echo "$name did not mount ($(cat "$work/mount.err")): skipped" >&2
    continue
  fi
  echo "measuring $name..." >&2
  measure "$name" "$work/bento" "$counted"
  umount "$work/bento"
  sleep 1
done

target() {
  case "$1 $2" in
    "untar_"*" memfs"* | "tar_c_"*" memfs"* | "grep_r_"*" memfs"* | "rm_rf_"*" memfs"*) echo 0.5 ;;
    "untar_"*" passthrough"*) echo 0.5 ;;
    "write_"*" memfs"* | "read_"*" memfs"*) echo 0.8 ;;
    "write_"*" passthrough"* | "read_"*" passthrough"*) echo 0.9 ;;
    *) echo "" ;;
  esac
}

# The rows, one per workload and configuration: repeated runs (the I/O rows) become their median, and a workload
# that failed once counts as failed.
summary=$(printf '%s\n' "${rows[@]}" | awk '
  { key = $1 " " $2; if (!(key in count)) order[++n] = key; count[key]++; per[key] = $4
    if ($3 == "failed") failed[key] = 1; else times[key, count[key]] = $3 }
  END {
    for (i = 1; i <= n; i++) {
      key = order[i]
      if (key in failed) { print key, "failed", per[key]; continue }
      m = count[key]
      for (a = 1; a <= m; a++) v[a] = times[key, a]
      for (a = 2; a <= m; a++) for (b = a; b > 1 && v[b - 1] > v[b]; b--) { t = v[b]; v[b] = v[b - 1]; v[b - 1] = t }
      print key, v[int((m + 1) / 2)], per[key]
    }
  }')

mkdir -p "$(dirname "$csv")"
echo "workload,config,seconds,baseline,baseline_seconds,ratio,requests_per_entry" > "$csv"
printf '%-18s %-28s %8s %-6s %8s %6s %9s  %s\n' workload config seconds base seconds ratio req/entry target
while read -r workload name secs per; do
  case "$name" in tmpfs | ext4) continue ;; esac
  base=""
  for config in "${CONFIGS[@]}"; do set -- $config; [ "$1" = "$name" ] && base=$4; done
  base_seconds=$(awk -v w="$workload" -v f="$base" '$1 == w && $2 == f { print $3 }' <<< "$summary")
  ratio=$(awk -v b="$base_seconds" -v o="$secs" 'BEGIN { if (o == "failed") print "-"; else printf "%.2f", (o > 0 ? b / o : 0) }')
  goal=$(target "$workload" "$name")
  verdict=""
  [ -n "$goal" ] && verdict="≥ ${goal}× $(awk -v r="$ratio" -v g="$goal" 'BEGIN { print (r != "-" && r >= g ? "met" : "MISSED") }')"
  printf '%-18s %-28s %8s %-6s %8s %6s %9s  %s\n' "$workload" "$name" "$secs" "$base" "$base_seconds" "$ratio" "$per" "$verdict"
  echo "$workload,$name,$secs,$base,$base_seconds,$ratio,$per" >> "$csv"
done <<< "$summary"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -r); rows also in $csv" >&2
