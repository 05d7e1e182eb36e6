import BentoKit

// Open files: open, openTemporary (O_TMPFILE), read, pread, write, pwrite, lseek, close, fsync, fdatasync,
// ftruncate, fallocate, fstat.
//
// As fuse.ko sends them: OPEN never carries O_CREAT, O_EXCL or O_NOCTTY, and O_TRUNC only when the file
// system took atomic O_TRUNC (otherwise a setattr through the new handle truncates); a directory is opened
// with OPENDIR; with the writeback cache, write-only opens become read-write and O_APPEND is the kernel's
// business. Reads and writes are split at the negotiated transfer size; an append write goes at the size
// getattr reports. close sends FLUSH (unless FOPEN_NOFLUSH) and RELEASE, and forgets the descriptor's lookup.

extension InProcessFileSystem {
    /// Opens `path` (making a regular file with permissions `mode` minus the umask for `O_CREAT`) and returns
    /// the lowest free descriptor.
    public func open(_ path: String, _ flags: OpenFlags, mode: UInt32 = 0o666) throws(Errno) -> Int32 {
        try perform { (resolver: inout PathResolver) throws(Errno) -> Int32 in
            let creating = flags.contains(.create), exclusive = flags.contains([.create, .exclusive])
            let final = try resolver.finish(path, last: exclusive ? .keepName : flags.contains(.noFollow) ? .keep : .follow)
            let description: OpenDescription
            if let object = final.object {
                guard !exclusive else { throw .fileExists }
                description = try resolver.open(object, flags: flags)
            } else {
                guard creating else { throw .noSuchFileOrDirectory }
                guard !final.trailingSlash else { throw .isDirectory }
                description = try resolver.create(try final.newName(), in: final.parent, flags: flags, mode: mode)
            }
            return try install(description, for: &resolver)
        }
    }

    /// Opens a new regular file with no name in directory `path` (`open(path, O_TMPFILE | flags, mode)`, which
    /// the kernel sends as TMPFILE): `EOPNOTSUPP` when the file system has none. Without `O_EXCL` the file may get
    /// a name once, with `link(descriptor:to:)`.
    public func openTemporary(in path: String, _ flags: OpenFlags, mode: UInt32 = 0o600) throws(Errno) -> Int32 {
        try perform { (resolver: inout PathResolver) throws(Errno) -> Int32 in
            let directory = try resolver.resolve(path, last: .follow)
            guard directory.isDirectory else { throw .notDirectory }
            guard flags.isWritable else { throw .invalidArgument }
            let description = try resolver.createUnnamed(in: directory, flags: flags, mode: mode)
            let descriptor = try install(description, for: &resolver)
            if !flags.contains(.exclusive) { mount.descriptors.withLock { $0.setLinkable(description.inode, true) } }
            return descriptor
        }
    }

    /// Records `description` under the lowest free descriptor, keeping its lookup; releases it on `EMFILE`.
    private func install(_ description: OpenDescription, for resolver: inout PathResolver) throws(Errno) -> Int32 {
        resolver.lookups.keep(description.inode)
        do throws(Errno) {
            return try mount.descriptors.withLock { (table: inout DescriptorTable) throws(Errno) -> Int32 in
                try table.insert(description)
            }
        } catch {
            mount.release(description, for: resolver.request)
            throw error
        }
    }

    /// Reads up to `count` bytes from the descriptor's position and advances it; fewer only at end of file.
    public func read(_ descriptor: Int32, count: Int) throws(Errno) -> [UInt8] {
        try perform { (resolver: inout PathResolver) throws(Errno) -> [UInt8] in
            let description = try self.description(descriptor)
            let bytes = try resolver.read(description, at: description.offset, count: count)
            mount.descriptors.withLock { $0.setOffset(description.offset + UInt64(bytes.count), of: descriptor) }
            return bytes
        }
    }

    /// Reads up to `count` bytes at `offset` without moving the descriptor's position.
    public func pread(_ descriptor: Int32, count: Int, offset: Int64) throws(Errno) -> [UInt8] {
        guard let start = UInt64(exactly: offset) else { throw .invalidArgument }
        return try perform { (resolver: inout PathResolver) throws(Errno) -> [UInt8] in
            try resolver.read(try self.description(descriptor), at: start, count: count)
        }
    }

    /// Writes `bytes` at the descriptor's position (at the end for `O_APPEND`), advances it past them and
    /// returns how many were written.
    @discardableResult
    public func write(_ descriptor: Int32, _ bytes: [UInt8]) throws(Errno) -> Int {
        try perform { (resolver: inout PathResolver) throws(Errno) -> Int in
            let description = try self.description(descriptor)
            let (start, written) = try resolver.write(bytes, to: description, at: description.offset)
            mount.descriptors.withLock { $0.setOffset(start + UInt64(written), of: descriptor) }
            return written
        }
    }

    /// Writes `bytes` at `offset` (at the end for `O_APPEND`, as Linux does) without moving the position.
    @discardableResult
    public func pwrite(_ descriptor: Int32, _ bytes: [UInt8], offset: Int64) throws(Errno) -> Int {
        guard let start = UInt64(exactly: offset) else { throw .invalidArgument }
        return try perform { (resolver: inout PathResolver) throws(Errno) -> Int in
            try resolver.write(bytes, to: try self.description(descriptor), at: start).written
        }
    }

    /// Moves the descriptor's position and returns it. `SEEK_DATA` and `SEEK_HOLE` ask the file system, and
    /// fall back to the kernel's generic answer (all data, a hole at the end) when it answers `ENOSYS`.
    @discardableResult
    public func lseek(_ descriptor: Int32, _ offset: Int64, _ whence: SeekWhence) throws(Errno) -> Int64 {
        try perform { (resolver: inout PathResolver) throws(Errno) -> Int64 in
            let description = try self.description(descriptor)
            let position: Int64
            switch whence {
            case .set:
                position = offset
            case .current:
                position = try Self.position(Int64(clamping: description.offset), plus: offset)
            case .end:
                position = try Self.position(Int64(clamping: try resolver.size(of: description)), plus: offset)
            case .data, .hole:
                position = Int64(clamping: try resolver.seek(description, from: offset, whence: whence))
            }
            guard position >= 0 else { throw .invalidArgument }
            mount.descriptors.withLock { $0.setOffset(UInt64(position), of: descriptor) }
            return position
        }
    }

    /// Closes a descriptor: FLUSH (whose `ENOSYS` counts as success, and whose error is reported after the
    /// release all the same), RELEASE, and the forget of the lookup it held.
    public func close(_ descriptor: Int32) throws(Errno) {
        try perform { (resolver: inout PathResolver) throws(Errno) in
            let description = try mount.descriptors.withLock { (table: inout DescriptorTable) throws(Errno) -> OpenDescription in
                try table.remove(descriptor)
            }
            var failure: Errno?
            if !description.isDirectory, !description.options.contains(.noFlush) {
                do throws(Errno) {
                    try ignoringNoFunction { () throws(Errno) in
                        try resolver.fileSystem.flush(resolver.request, inode: description.inode,
                                                      handle: description.handle, lockOwner: 0)
                    }
                } catch {
                    failure = error
                }
            }
            mount.release(description, for: resolver.request)
            if let failure { throw failure }
        }
    }

    /// Makes the file's data and metadata durable (`fsyncdir` for a directory); `ENOSYS` counts as success.
    public func fsync(_ descriptor: Int32) throws(Errno) {
        try perform { (resolver: inout PathResolver) throws(Errno) in
            try resolver.synchronize(try self.description(descriptor), dataOnly: false)
        }
    }

    /// Makes the file's data durable; `ENOSYS` counts as success.
    public func fdatasync(_ descriptor: Int32) throws(Errno) {
        try perform { (resolver: inout PathResolver) throws(Errno) in
            try resolver.synchronize(try self.description(descriptor), dataOnly: true)
        }
    }

    /// Sets the size of a regular file open for writing (`EINVAL` otherwise, or for a negative size).
    public func ftruncate(_ descriptor: Int32, size: Int64) throws(Errno) {
        guard let size = UInt64(exactly: size) else { throw .invalidArgument }
        try perform { (resolver: inout PathResolver) throws(Errno) in
            let description = try self.description(descriptor)
            guard !description.isDirectory, description.flags.isWritable else { throw .invalidArgument }
            _ = try resolver.fileSystem.setattr(resolver.request, inode: description.inode,
                                                changes: AttributeChanges(size: size, handle: description.handle))
        }
    }

    /// Allocates, punches or zeroes a range of a file open for writing; `EOPNOTSUPP` when the file system
    /// has no fallocate or for a hole punched without `keepSize`.
    public func fallocate(_ descriptor: Int32, mode: FallocateMode = [], offset: Int64, length: Int64) throws(Errno) {
        guard let start = UInt64(exactly: offset), length > 0 else { throw .invalidArgument }
        guard !mode.contains(.punchHole) || mode.contains(.keepSize) else { throw .notSupported }
        try perform { (resolver: inout PathResolver) throws(Errno) in
            let description = try self.description(descriptor)
            guard description.flags.isWritable else { throw .badFileDescriptor }
            guard !description.isDirectory else { throw .isDirectory }
            try resolver.removePrivileges(of: description)
            try unsupportedIfNoFunction { () throws(Errno) in
                try resolver.fileSystem.fallocate(resolver.request, inode: description.inode, handle: description.handle,
                                                  offset: start, length: UInt64(length), mode: mode)
            }
        }
    }

    /// The attributes of the open object (getattr through its handle).
    public func fstat(_ descriptor: Int32) throws(Errno) -> Attributes {
        try perform { (resolver: inout PathResolver) throws(Errno) -> Attributes in
            let description = try self.description(descriptor)
            return try resolver.fileSystem.getattr(resolver.request, inode: description.inode,
                                                   handle: description.handle).attributes
        }
    }

    /// The largest file through FUSE (`MAX_LFS_FILESIZE`, `Int64.max`): reads and writes stop short of it.
    public static let largestFile = UInt64(Int64.max)

    /// `base + offset` for lseek's `SEEK_CUR` and `SEEK_END`: `EINVAL` past `Int64.max` (where Linux's sum turns
    /// negative and `vfs_setpos` refuses it).
    private static func position(_ base: Int64, plus offset: Int64) throws(Errno) -> Int64 {
        let (sum, overflow) = base.addingReportingOverflow(offset)
        guard !overflow else { throw .invalidArgument }
        return sum
    }

    /// The description `descriptor` names; `EBADF` when it is not open.
    func description(_ descriptor: Int32) throws(Errno) -> OpenDescription {
        try mount.descriptors.withLock { (table: inout DescriptorTable) throws(Errno) -> OpenDescription in
            try table.description(descriptor)
        }
    }
}

extension PathResolver {
    /// Opens an existing object with Linux's checks: `ELOOP` for a symlink (under `O_NOFOLLOW`), `EISDIR` for
    /// a directory opened to write or create, `ENOTDIR` for `O_DIRECTORY` on anything else.
    mutating func open(_ object: Located, flags: OpenFlags) throws(Errno) -> OpenDescription {
        let mode = object.attributes.mode
        let writes = flags.isWritable || flags.contains(.truncate)
        guard !mode.isSymbolicLink else { throw .tooManySymbolicLinkLevels }
        guard mode.isDirectory || !flags.contains(.directory) else { throw .notDirectory }
        guard !mode.isDirectory || !(writes || flags.contains(.create)) else { throw .isDirectory }
        if writes { try mount.requireWritable() }
        var mask: AccessMask = flags.isReadable ? .read : []
        if writes { mask.insert(.write) }
        try permissions.require(mask, on: object)
        if mode.isDirectory {
            let reply = try fileSystem.opendir(request, inode: object.inode, flags: flags)
            return OpenDescription(inode: object.inode, handle: reply.handle, flags: flags, options: reply.options,
                                   isDirectory: true)
        }
        let atomicTruncate = mount.enabled.contains(.atomicOpenTruncate)
        var sent = kernelFlags(flags).subtracting([.create, .exclusive, .noControllingTerminal])
        if !atomicTruncate { sent.remove(.truncate) }
        let reply = try fileSystem.open(request, inode: object.inode, flags: sent)
        let description = OpenDescription(inode: object.inode, handle: reply.handle, flags: flags,
                                          options: reply.options, isDirectory: false)
        if flags.contains(.truncate), !atomicTruncate, mode.isRegular {
            _ = try fileSystem.setattr(request, inode: object.inode,
                                       changes: AttributeChanges(size: 0, handle: reply.handle))
        }
        return description
    }

    /// Makes and opens a regular file `name` in `directory` (CREATE, or MKNOD and OPEN when the file system
    /// has no create).
    mutating func create(_ name: FileName, in directory: Located, flags: OpenFlags, mode: UInt32) throws(Errno) -> OpenDescription {
        try mount.requireWritable()
        try permissions.requireCreation(in: directory)
        let (request, mode) = creation(.regular, permissions: mode, allowed: 0o7777)
        let reply: CreateReply
        do {
            reply = try fileSystem.create(request, parent: directory.inode, name: name, mode: mode, flags: kernelFlags(flags))
        } catch .noFunction {
            let entry = try fileSystem.mknod(request, parent: directory.inode, name: name, mode: mode, device: 0)
            lookups.add(entry)
            let sent = kernelFlags(flags).subtracting([.create, .exclusive, .truncate, .noControllingTerminal])
            return OpenDescription(inode: entry.inode, handle: try fileSystem.open(request, inode: entry.inode, flags: sent).handle,
                                   flags: flags, options: [], isDirectory: false)
        }
        lookups.add(reply.entry)
        return OpenDescription(inode: reply.entry.inode, handle: reply.open.handle, flags: flags,
                               options: reply.open.options, isDirectory: false)
    }

    /// Makes and opens a regular file with no name in `directory` (TMPFILE); `EOPNOTSUPP` when the file system
    /// has no tmpfile, as the kernel answers.
    mutating func createUnnamed(in directory: Located, flags: OpenFlags, mode: UInt32) throws(Errno) -> OpenDescription {
        try mount.requireWritable()
        try permissions.requireCreation(in: directory)
        let (request, mode) = creation(.regular, permissions: mode, allowed: 0o7777)
        let reply: CreateReply
        do {
            reply = try fileSystem.tmpfile(request, parent: directory.inode, mode: mode, flags: kernelFlags(flags))
        } catch .noFunction {
            throw .notSupported  // EOPNOTSUPP, as the kernel answers a file system without TMPFILE
        }
        lookups.add(reply.entry)
        return OpenDescription(inode: reply.entry.inode, handle: reply.open.handle, flags: flags,
                               options: reply.open.options, isDirectory: false)
    }

    /// The open flags as the kernel passes them on: with the writeback cache, write-only becomes read-write
    /// (the kernel reads to fill pages) and `O_APPEND` is dropped (the kernel places appends itself).
    private func kernelFlags(_ flags: OpenFlags) -> OpenFlags {
        guard mount.enabled.contains(.writebackCache) else { return flags }
        var sent = flags.subtracting(.append)
        if flags.rawValue & OpenFlags.accessModeMask == OpenFlags.writeOnly.rawValue {
            sent = OpenFlags(rawValue: (sent.rawValue & ~OpenFlags.accessModeMask) | OpenFlags.readWrite.rawValue)
        }
        return sent
    }

    /// Reads up to `count` bytes at `offset`, in pieces no bigger than the transfer size. `EINVAL` for a negative
    /// count or a range reaching past `Int64.max`, as Linux's `rw_verify_area` answers.
    func read(_ description: OpenDescription, at offset: UInt64, count: Int) throws(Errno) -> [UInt8] {
        guard !description.isDirectory else { throw .isDirectory }
        guard description.flags.isReadable else { throw .badFileDescriptor }
        let limit = InProcessFileSystem.largestFile
        guard count >= 0, offset <= limit, UInt64(count) <= limit - offset else { throw .invalidArgument }
        var bytes: [UInt8] = []
        while bytes.count < count {
            let size = UInt32(min(count - bytes.count, Int(mount.maximumTransfer)))
            let piece = try fileSystem.read(request, inode: description.inode, handle: description.handle,
                                            offset: offset + UInt64(bytes.count), size: size)
            bytes += piece.prefix(Int(size))
            guard piece.count == Int(size) else { break }
        }
        return bytes
    }

    /// Writes `bytes` at `offset`, or at the file's size for `O_APPEND`; returns where the write started and
    /// how many bytes were written (a short write ends it). `EFBIG` when they would reach past `Int64.max`, the
    /// largest file through FUSE (where Linux writes the part before it, nothing is written here).
    func write(_ bytes: [UInt8], to description: OpenDescription, at offset: UInt64) throws(Errno) -> (start: UInt64, written: Int) {
        guard description.flags.isWritable, !description.isDirectory else { throw .badFileDescriptor }
        try removePrivileges(of: description)
        let start = description.flags.contains(.append) ? try size(of: description) : offset
        // Checked once: every piece below then starts inside the range.
        _ = try Range.written(offset: start, length: UInt64(bytes.count), maximumSize: InProcessFileSystem.largestFile)
        let flags = kernelFlags(description.flags)
        var written = 0
        while written < bytes.count {
            let piece = bytes.span.extracting(written..<min(bytes.count, written + Int(mount.maximumTransfer)))
            let count = try fileSystem.write(request, inode: description.inode, handle: description.handle,
                                             offset: start + UInt64(written), data: piece, flags: flags)
            written += Int(min(count, UInt32(piece.count)))
            guard Int(count) == piece.count else { break }
        }
        return (start, written)
    }

    /// Before a write or fallocate by a caller without `CAP_FSETID` (not root), clears the file's set-id bits as the
    /// kernel does (`file_remove_privs`) for a file system that does not clear them itself (`modeClearingSetID`).
    func removePrivileges(of description: OpenDescription) throws(Errno) {
        guard !request.isRoot, !mount.enabled.contains(.handleKillPrivilege) else { return }
        let attributes = try fileSystem.getattr(request, inode: description.inode, handle: description.handle).attributes
        guard let cleared = modeClearingSetID(of: attributes) else { return }
        _ = try fileSystem.setattr(request, inode: description.inode,
                                   changes: AttributeChanges(mode: cleared, handle: description.handle))
    }

    /// The mode the kernel sends a file system that does not clear set-id bits itself
    /// (`Capabilities.handleKillPrivilege`) when a change must clear them: without set-user-ID, and set-group-ID
    /// with group execute; nil when such a file system clears them itself or there is nothing to clear.
    func modeClearingSetID(of attributes: Attributes) -> FileMode? {
        guard !mount.enabled.contains(.handleKillPrivilege) else { return nil }
        let cleared = Ownership(attributes).modeWithoutSetID
        return cleared == attributes.mode ? nil : cleared
    }

    /// The open file's size, as getattr through its handle reports it.
    func size(of description: OpenDescription) throws(Errno) -> UInt64 {
        try fileSystem.getattr(request, inode: description.inode, handle: description.handle).attributes.size
    }

    /// `SEEK_DATA` or `SEEK_HOLE` from `offset`: the file system's answer, or the generic one on `ENOSYS`.
    func seek(_ description: OpenDescription, from offset: Int64, whence: SeekWhence) throws(Errno) -> UInt64 {
        guard !description.isDirectory else { throw .invalidArgument }
        guard let start = UInt64(exactly: offset) else { throw .noSuchAddressOrDevice }
        do {
            return try fileSystem.lseek(request, inode: description.inode, handle: description.handle,
                                        offset: start, whence: whence)
        } catch .noFunction {
            let size = try size(of: description)
            guard start < size else { throw .noSuchAddressOrDevice }
            return whence == .data ? start : size
        }
    }

    /// fsync or fsyncdir, as the description's kind asks; `ENOSYS` counts as success.
    func synchronize(_ description: OpenDescription, dataOnly: Bool) throws(Errno) {
        try ignoringNoFunction { () throws(Errno) in
            if description.isDirectory {
                try fileSystem.fsyncdir(request, inode: description.inode, handle: description.handle, dataOnly: dataOnly)
            } else {
                try fileSystem.fsync(request, inode: description.inode, handle: description.handle, dataOnly: dataOnly)
            }
        }
    }
}

extension OpenFlags {
    /// Do not make a terminal the controlling one (`O_NOCTTY`); the kernel never passes it on.
    static let noControllingTerminal = OpenFlags(rawValue: 0o400)
}
