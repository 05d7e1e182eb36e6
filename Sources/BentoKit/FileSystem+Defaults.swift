/// Defaults: operations a file system does not implement answer `ENOSYS`; the kernel then stops sending
/// some of them (flush, fsync, access, xattrs, fallocate, lseek, copy_file_range) or falls back.
extension FileSystem {
    public func initialize(_ connection: inout Connection) throws(Errno) {}
    public func destroy() {}
    public var counters: [FileSystemCounter] { [] }
    /// Never stops taking changes on its own.
    public var failure: String? { nil }
    /// Nothing to warn about.
    public var warnings: [String] { [] }
    /// No reports.
    public func report(_ topic: String) throws(Errno) -> String { throw .noFunction }
    /// What `read` returns, appended (as much as `output` has room for).
    public func read(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, size: UInt32,
                     into output: inout OutputSpan<UInt8>) throws(Errno) {
        let bytes = try read(request, inode: inode, handle: handle, offset: offset, size: size)
        output.append(copying: bytes.span.extracting(first: min(Int(size), output.freeCapacity)))
    }
    /// `write` with the bytes of an array (for callers that hold one: tests, the in-process driver).
    public func write(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, data: [UInt8],
                      flags: OpenFlags) throws(Errno) -> UInt32 {
        try write(request, inode: inode, handle: handle, offset: offset, data: data.span, flags: flags)
    }
    public func forget(_ inode: Inode, count: UInt64) {}
    public func setattr(_ request: Request, inode: Inode, changes: AttributeChanges) throws(Errno) -> AttributesReply { throw .noFunction }
    public func readlink(_ request: Request, inode: Inode) throws(Errno) -> [UInt8] { throw .noFunction }
    public func mknod(_ request: Request, parent: Inode, name: FileName, mode: FileMode, device: UInt32) throws(Errno) -> Entry { throw .noFunction }
    public func mkdir(_ request: Request, parent: Inode, name: FileName, mode: FileMode) throws(Errno) -> Entry { throw .noFunction }
    public func unlink(_ request: Request, parent: Inode, name: FileName) throws(Errno) { throw .noFunction }
    public func rmdir(_ request: Request, parent: Inode, name: FileName) throws(Errno) { throw .noFunction }
    public func symlink(_ request: Request, parent: Inode, name: FileName, target: [UInt8]) throws(Errno) -> Entry { throw .noFunction }
    public func rename(_ request: Request, parent: Inode, name: FileName, newParent: Inode, newName: FileName,
                       flags: RenameFlags) throws(Errno) { throw .noFunction }
    public func link(_ request: Request, inode: Inode, newParent: Inode, newName: FileName) throws(Errno) -> Entry { throw .noFunction }
    public func open(_ request: Request, inode: Inode, flags: OpenFlags) throws(Errno) -> OpenReply { OpenReply(handle: FileHandle(0)) }
    public func read(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, size: UInt32) throws(Errno) -> [UInt8] { throw .noFunction }
    public func write(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, data: Span<UInt8>,
                      flags: OpenFlags) throws(Errno) -> UInt32 { throw .noFunction }
    public func flush(_ request: Request, inode: Inode, handle: FileHandle, lockOwner: UInt64) throws(Errno) { throw .noFunction }
    public func release(_ request: Request, inode: Inode, handle: FileHandle, flags: OpenFlags) throws(Errno) {}
    public func fsync(_ request: Request, inode: Inode, handle: FileHandle, dataOnly: Bool) throws(Errno) { throw .noFunction }
    public func opendir(_ request: Request, inode: Inode, flags: OpenFlags) throws(Errno) -> OpenReply { OpenReply(handle: FileHandle(0)) }
    public func readdir(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64,
                        into listing: inout DirectoryListing) throws(Errno) { throw .noFunction }
    public func readdirplus(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64,
                            into listing: inout DirectoryListing) throws(Errno) { throw .noFunction }
    public func releasedir(_ request: Request, inode: Inode, handle: FileHandle) throws(Errno) {}
    public func fsyncdir(_ request: Request, inode: Inode, handle: FileHandle, dataOnly: Bool) throws(Errno) { throw .noFunction }
    public func statfs(_ request: Request, inode: Inode) throws(Errno) -> FileSystemStatistics {
        FileSystemStatistics(totalBlocks: 0, freeBlocks: 0, totalInodes: 0, freeInodes: 0)
    }
    public func setxattr(_ request: Request, inode: Inode, name: XattrName, value: [UInt8], flags: XattrFlags) throws(Errno) { throw .noFunction }
    public func getxattr(_ request: Request, inode: Inode, name: XattrName) throws(Errno) -> [UInt8] { throw .noFunction }
    public func listxattr(_ request: Request, inode: Inode) throws(Errno) -> [XattrName] { throw .noFunction }
    public func removexattr(_ request: Request, inode: Inode, name: XattrName) throws(Errno) { throw .noFunction }
    public func access(_ request: Request, inode: Inode, mask: AccessMask) throws(Errno) { throw .noFunction }
    public func create(_ request: Request, parent: Inode, name: FileName, mode: FileMode, flags: OpenFlags) throws(Errno) -> CreateReply { throw .noFunction }
    public func tmpfile(_ request: Request, parent: Inode, mode: FileMode, flags: OpenFlags) throws(Errno) -> CreateReply { throw .noFunction }
    public func inodeFlags(_ request: Request, inode: Inode) throws(Errno) -> InodeFlags { throw .inappropriateIOCTLForDevice }
    public func setInodeFlags(_ request: Request, inode: Inode, flags: InodeFlags) throws(Errno) { throw .inappropriateIOCTLForDevice }
    public func fallocate(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, length: UInt64,
                          mode: FallocateMode) throws(Errno) { throw .noFunction }
    public func lseek(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, whence: SeekWhence) throws(Errno) -> UInt64 { throw .noFunction }
    public func copyFileRange(_ request: Request, from source: Inode, handle sourceHandle: FileHandle, offset sourceOffset: UInt64,
                              to destination: Inode, handle destinationHandle: FileHandle, offset destinationOffset: UInt64,
                              length: UInt64, flags: UInt64) throws(Errno) -> UInt64 { throw .noFunction }
}
