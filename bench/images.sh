# Sourced by bench/xv6fs.sh and bench/apps.sh: a fresh file system per kind on its own image under $WORK, and
# the clean-up that leaves no mount or loop device behind. Needs WORK, SIZE and BENTO; XV6FS_OPTIONS adds mount
# options for xv6fs and provfs. Kinds: ext4-journal, ext4-ordered (a loop device), xv6fs and provfs (bento mkfs and
# mount --fs).

# mount_fs KIND: makes and mounts a fresh file system at $WORK/mnt-KIND and prints that mount point.
mount_fs() {
    local kind=$1 mnt="$WORK/mnt-$1" image="$WORK/image-$1"
    mkdir -p "$mnt"
    rm -f "$image"
    truncate -s "$SIZE" "$image"
    case $kind in
    ext4-journal|ext4-ordered)
        local loop; loop=$(losetup -f --show "$image")  # mount_fs runs in $(...): release_images finds it with losetup -j
        mkfs.ext4 -q -F "$loop"
        mount -o "data=${kind#ext4-}" "$loop" "$mnt" ;;
    xv6fs|provfs)
        "$BENTO" mkfs "$image" > /dev/null
        "$BENTO" mount --fs "$kind" ${XV6FS_OPTIONS:+-o "$XV6FS_OPTIONS"} "$image" "$mnt" ;;
    esac
    echo "$mnt"
}

# unmount_fs KIND: unmounts, detaches the loop device, and checks an xv6fs or provfs image, which must be clean (the daemon
# may still be flushing right after umount: fsck is tried for up to 20 s); exits with the report otherwise.
unmount_fs() {
    local kind=$1 mnt="$WORK/mnt-$1" source
    source=$(findmnt -n -o SOURCE "$mnt")
    umount "$mnt"
    case $source in /dev/loop*) losetup -d "$source" ;; esac
    if [ "$kind" = xv6fs ] || [ "$kind" = provfs ]; then
        local report=""
        for _ in $(seq 100); do report=$("$BENTO" fsck "$WORK/image-$kind" 2>&1) && return; sleep 0.2; done
        echo "fsck of $kind after the workload failed: $report" >&2
        exit 1
    fi
}

# release_images: unmounts what is still mounted under $WORK (lazily if need be), detaches its loop devices and
# removes $WORK. For an EXIT trap: it never fails.
release_images() {
    local m image l
    for m in "$WORK"/mnt-*; do mountpoint -q "$m" 2>/dev/null && { umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; }; done
    for image in "$WORK"/image-*; do
        for l in $(losetup -j "$image" 2>/dev/null | cut -d: -f1); do losetup -d "$l" 2>/dev/null || true; done
    done
    rm -rf "$WORK"
    return 0
}
