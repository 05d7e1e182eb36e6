import BentoKit
import InProcess

/// The behaviour suite's driver for the in-process façade: every call forwards to `InProcessFileSystem`.
public struct InProcessDriver: POSIXDriver {
    /// The façade, as the user the calls are made by.
    let fileSystem: InProcessFileSystem

    /// A driver calling `fileSystem`.
    public init(fileSystem: InProcessFileSystem) { self.fileSystem = fileSystem }

    public func asUser(_ uid: UInt32, group gid: UInt32) -> any POSIXDriver {
        InProcessDriver(fileSystem: fileSystem.as(user: UserID(uid), group: GroupID(gid)))
    }

    public func open(_ path: String, _ flags: OpenFlags, mode: UInt32) throws(Errno) -> Int32 {
        try fileSystem.open(path, flags, mode: mode)
    }
    public func read(_ descriptor: Int32, count: Int) throws(Errno) -> [UInt8] { try fileSystem.read(descriptor, count: count) }
    public func pread(_ descriptor: Int32, count: Int, offset: Int64) throws(Errno) -> [UInt8] {
        try fileSystem.pread(descriptor, count: count, offset: offset)
    }
    public func write(_ descriptor: Int32, _ bytes: [UInt8]) throws(Errno) -> Int { try fileSystem.write(descriptor, bytes) }
    public func pwrite(_ descriptor: Int32, _ bytes: [UInt8], offset: Int64) throws(Errno) -> Int {
        try fileSystem.pwrite(descriptor, bytes, offset: offset)
    }
    public func lseek(_ descriptor: Int32, _ offset: Int64, _ whence: SeekWhence) throws(Errno) -> Int64 {
        try fileSystem.lseek(descriptor, offset, whence)
    }
    public func close(_ descriptor: Int32) throws(Errno) { try fileSystem.close(descriptor) }
    public func fsync(_ descriptor: Int32) throws(Errno) { try fileSystem.fsync(descriptor) }
    public func fdatasync(_ descriptor: Int32) throws(Errno) { try fileSystem.fdatasync(descriptor) }
    public func ftruncate(_ descriptor: Int32, size: Int64) throws(Errno) { try fileSystem.ftruncate(descriptor, size: size) }
    public func fallocate(_ descriptor: Int32, mode: FallocateMode, offset: Int64, length: Int64) throws(Errno) {
        try fileSystem.fallocate(descriptor, mode: mode, offset: offset, length: length)
    }
    public func fstat(_ descriptor: Int32) throws(Errno) -> Attributes { try fileSystem.fstat(descriptor) }

    public func mkdir(_ path: String, mode: UInt32) throws(Errno) { try fileSystem.mkdir(path, mode: mode) }
    public func rmdir(_ path: String) throws(Errno) { try fileSystem.rmdir(path) }
    public func unlink(_ path: String) throws(Errno) { try fileSystem.unlink(path) }
    public func rename(from source: String, to target: String, flags: RenameFlags) throws(Errno) {
        try fileSystem.rename(from: source, to: target, flags: flags)
    }
    public func link(_ existing: String, _ newPath: String) throws(Errno) { try fileSystem.link(existing, newPath) }
    public func openTemporary(in directory: String, _ flags: OpenFlags, mode: UInt32) throws(Errno) -> Int32 {
        try fileSystem.openTemporary(in: directory, flags, mode: mode)
    }
    public func link(descriptor: Int32, to newPath: String) throws(Errno) { try fileSystem.link(descriptor: descriptor, to: newPath) }
    public func symlink(_ target: String, _ path: String) throws(Errno) { try fileSystem.symlink(target, path) }
    public func readlink(_ path: String) throws(Errno) -> String { try fileSystem.readlink(path) }
    public func stat(_ path: String) throws(Errno) -> Attributes { try fileSystem.stat(path) }
    public func lstat(_ path: String) throws(Errno) -> Attributes { try fileSystem.lstat(path) }
    public func chmod(_ path: String, mode: UInt32) throws(Errno) { try fileSystem.chmod(path, mode: mode) }
    public func chown(_ path: String, uid: UserID?, gid: GroupID?) throws(Errno) { try fileSystem.chown(path, uid: uid, gid: gid) }
    public func utimens(_ path: String, access: TimeChange?, modification: TimeChange?) throws(Errno) {
        try fileSystem.utimens(path, access: access, modification: modification)
    }
    public func truncate(_ path: String, size: Int64) throws(Errno) { try fileSystem.truncate(path, size: size) }
    public func readdir(_ path: String) throws(Errno) -> [DirectoryEntry] { try fileSystem.readdir(path) }
    public func setxattr(_ path: String, name: String, value: [UInt8], flags: XattrFlags) throws(Errno) {
        try fileSystem.setxattr(path, name: name, value: value, flags: flags)
    }
    public func getxattr(_ path: String, name: String) throws(Errno) -> [UInt8] { try fileSystem.getxattr(path, name: name) }
    public func listxattr(_ path: String) throws(Errno) -> [String] { try fileSystem.listxattr(path).map(\.description) }
    public func removexattr(_ path: String, name: String) throws(Errno) { try fileSystem.removexattr(path, name: name) }
    public func statfs(_ path: String) throws(Errno) -> FileSystemStatistics { try fileSystem.statfs(path) }
    public func access(_ path: String, _ mask: AccessMask) throws(Errno) { try fileSystem.access(path, mask) }
    public func dropCaches() {}
    public func inodeFlags(_ path: String) throws(Errno) -> InodeFlags { try fileSystem.inodeFlags(path) }
    public func setInodeFlags(_ path: String, _ flags: InodeFlags) throws(Errno) { try fileSystem.setInodeFlags(path, flags) }
}
