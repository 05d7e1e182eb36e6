import BentoKit
import BentoServices

// Access times: a read of a file's data or a listing of a directory sets the inode's atime when the mount's rule
// (`Options.accessTimes`: relatime by default, strictatime, noatime) says so. The kernel updates none itself for a
// FUSE mount and asks again after every READ and READDIR, so this is the only place an atime moves on a read.
//
// Rules: the update is its own small transaction on the inode alone, after the read (the read never waits for
// the journal and never fails because of it): under relatime that is once per file between two changes, or once a
// day. Nothing is written on a read-only mount, a failed journal, or while a live upgrade holds commits back.

extension XV6FS {
    /// Records a read or listing of `object` now, as the mount's rule says; best effort, like ext4's.
    func accessed(_ object: CachedInode) {
        guard options.accessTimes != .noatime, !readOnly.load(ordering: .relaxed), !journal.hasFailed,
              !journal.held.load(ordering: .acquiring) else { return }
        let now = clock.now()
        func due(_ disk: DiskInode) -> Bool {
            disk.linkCount > 0 && !disk.inodeFlags.contains(.noAccessTime)
                && options.accessTimes.updates(access: disk.accessTime, modification: disk.modificationTime,
                                               change: disk.changeTime, now: now)
        }
        guard due(object.disk) else { return }
        _ = try? changing { (handle: Handle) throws(Errno) in
            try withLocks([object]) { () throws(Errno) in
                try table.change(object, handle) { (disk: inout DiskInode) throws(Errno) in
                    if due(disk) { disk.accessTime = now }  // again under the lock: a racing reader may have set it
                }
            }
        }
    }
}
