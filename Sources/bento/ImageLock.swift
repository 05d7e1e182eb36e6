import Foundation

/// The advisory lock a serving daemon holds on its image (`flock`), so that a second mount is refused.
enum ImageLock {
    /// Takes the lock on `path` for the rest of this process's life (the descriptor is never closed: the lock
    /// goes when the daemon exits, however it exits). Throws a message when another process holds it. A holder
    /// whose mount is already gone, a daemon finishing after `umount`, is waited for (`holder(of:)`), so that
    /// `umount M && bento mount IMAGE M` mounts again instead of failing for a moment.
    static func acquire(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 || (holder(of: path) == nil && flock(descriptor, LOCK_EX | LOCK_NB) == 0) else {
            close(descriptor)
            throw Failure("\(path) is already mounted by another bento process (it holds the image lock)")
        }
        return descriptor
    }

    /// A description of the process holding `path`'s lock, or nil when nobody does.
    ///
    /// `umount` returns before the daemon has flushed and exited (the kernel sends no DESTROY for a FUSE mount
    /// that is not a block device), so a lock held by a daemon whose mount is already gone from /proc/mounts is
    /// waited for — up to a minute — instead of being reported: `umount M && bento fsck IMAGE` just works.
    static func holder(of path: String) -> String? {
        guard isLocked(path) else { return nil }
        let source = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let deadline = Date().addingTimeInterval(60)
        while !isMountSource(source), Date() < deadline {
            usleep(20_000)
            if !isLocked(path) { return nil }
        }
        return "a bento daemon holds its lock"
    }

    /// Whether some process holds `path`'s lock right now.
    private static func isLocked(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { return true }
        flock(descriptor, LOCK_UN)
        return false
    }

    /// Whether a FUSE mount in /proc/mounts names `source` (bento mounts name an image by its absolute path).
    private static func isMountSource(_ source: String) -> Bool {
        let table = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        let escaped = source.replacingOccurrences(of: " ", with: "\\040")
        return table.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 2 && fields[0] == escaped && fields[2].hasPrefix("fuse")
        }
    }
}
