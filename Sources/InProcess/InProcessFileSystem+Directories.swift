import BentoKit

// Listing directories and syncing the mount.
//
// A listing is read the way getdents(2) reads it through FUSE: OPENDIR, then READDIR (READDIRPLUS when INIT
// enabled it) again and again from the cookie of the last entry kept, with a buffer of only
// `Options.listingCapacity` entries so resumption is always exercised, until a call returns nothing; then
// RELEASEDIR. The lookups readdirplus hands out are counted and forgotten like any other.

extension InProcessFileSystem {
    /// Every entry of the directory `path` names, `.` and `..` included, in the file system's order.
    public func readdir(_ path: String) throws(Errno) -> [DirectoryEntry] {
        try perform { (resolver: inout PathResolver) throws(Errno) -> [DirectoryEntry] in
            let directory = try resolver.resolve(path)
            guard directory.isDirectory else { throw .notDirectory }
            try resolver.permissions.require(.read, on: directory)
            let flags = OpenFlags(rawValue: OpenFlags.directory.rawValue)
            let handle = try resolver.fileSystem.opendir(resolver.request, inode: directory.inode, flags: flags).handle
            defer { try? resolver.fileSystem.releasedir(resolver.request, inode: directory.inode, handle: handle) }
            return try resolver.list(directory.inode, handle: handle)
        }
    }

    /// Asks the file system to make everything durable, as a careful `syncfs` caller would: fsync (or
    /// fsyncdir) on every open descriptor, then fsyncdir on the root. `ENOSYS` counts as success; the first
    /// other error is reported after every call was made.
    ///
    /// The kernel's own `syncfs` sends no FSYNC to a FUSE server (it writes back its page cache; FUSE_SYNCFS
    /// goes to virtiofs only). The driver has no cache to write back, so it asks for durability explicitly:
    /// what a crash-consistency test wants between two steps.
    public func sync() throws(Errno) {
        try perform { (resolver: inout PathResolver) throws(Errno) in
            var failure: Errno?
            for (_, description) in mount.descriptors.withLock({ $0.all }) {
                do throws(Errno) { try resolver.synchronize(description, dataOnly: false) } catch { failure = failure ?? error }
            }
            do throws(Errno) {
                let flags = OpenFlags(rawValue: OpenFlags.directory.rawValue)
                let handle = try resolver.fileSystem.opendir(resolver.request, inode: .root, flags: flags).handle
                let root = OpenDescription(inode: .root, handle: handle, flags: flags, options: [], isDirectory: true)
                defer { try? resolver.fileSystem.releasedir(resolver.request, inode: .root, handle: handle) }
                try resolver.synchronize(root, dataOnly: false)
            } catch {
                failure = failure ?? error
            }
            if let failure { throw failure }
        }
    }
}

extension PathResolver {
    /// Reads a whole listing of the open directory, a few entries per call, resuming from cookies.
    /// `EIO` when the file system hands back a cookie that does not move on (the kernel would loop forever).
    mutating func list(_ directory: Inode, handle: FileHandle) throws(Errno) -> [DirectoryEntry] {
        let isPlus = mount.enabled.contains(.readdirPlus)
        var entries: [DirectoryEntry] = []
        var offset: UInt64 = 0
        while true {
            var listing = DirectoryListing(capacity: mount.options.listingCapacity, isPlus: isPlus) { _, _ in 1 }
            if isPlus {
                try fileSystem.readdirplus(request, inode: directory, handle: handle, offset: offset, into: &listing)
            } else {
                try fileSystem.readdir(request, inode: directory, handle: handle, offset: offset, into: &listing)
            }
            for (entry, lookup) in listing.entries {
                if let lookup { lookups.add(lookup) }
                entries.append(entry)
            }
            guard let last = listing.entries.last?.entry.cookie else { return entries }
            guard last != offset else { throw .ioError }
            offset = last
        }
    }
}
