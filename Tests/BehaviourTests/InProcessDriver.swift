import BentoKit
import InProcess

/// The behaviour suite's driver for the in-process façade: every call forwards to `InProcessFileSystem`.
struct InProcessDriver: POSIXDriver {
    /// The façade, as the user the calls are made by.
    let fileSystem: InProcessFileSystem

    func asUser(_ uid: UInt32, group gid: UInt32) -> any POSIXDriver {
        InProcessDriver(fileSystem: fileSystem.as(user: UserID(uid), group: GroupID(gid)))
    }

    func open(_ path: String, _ flags: OpenFlags, mode: UInt32) throws(Errno) -> Int32 {
        try fileSystem.open(path, flags, mode: mode)
    }
    func read(_ descriptor: Int32, count: Int) throws(Errno) -> [UInt8] { try fileSystem.read(descriptor, count: count) }
    func pread(_ descriptor: Int32, count: Int, offset: Int64) throws(Errno) -> [UInt8] {
        try fileSystem.pread(descriptor, count: count, offset: offset)
    }
    func write(_ descriptor: Int32, _ bytes: [UInt8]) throws(Errno) -> Int { try fileSystem.write(descriptor, bytes) }
    func pwrite(_ descriptor: Int32, _ bytes: [UInt8], offset: Int64) throws(Errno) -> Int {
        try fileSystem.pwrite(descriptor, bytes, offset: offset)
    }
    func lseek(_ descriptor: Int32, _ offset: Int64, _ whence: SeekWhence) throws(Errno) -> Int64 {
        try fileSystem.lseek(descriptor, offset, whence)
    }
    func close(_ descriptor: Int32) throws(Errno) { try fileSystem.close(descriptor) }
    func fsync(_ descriptor: Int32) throws(Errno) { try fileSystem.fsync(descriptor) }
    func fdatasync(_ descriptor: Int32) throws(Errno) { try fileSystem.fdatasync(descriptor) }
    func ftruncate(_ descriptor: Int32, size: Int64) throws(Errno) { try fileSystem.ftruncate(descriptor, size: size) }
    func fallocate(_ descriptor: Int32, mode: FallocateMode, offset: Int64, length: Int64) throws(Errno) {
        try fileSystem.fallocate(descriptor, mode: mode, offset: offset, length: length)
    }
    func fstat(_ descriptor: Int32) throws(Errno) -> Attributes { try fileSystem.fstat(descriptor) }

    func mkdir(_ path: String, mode: UInt32) throws(Errno) { try fileSystem.mkdir(path, mode: mode) }
    func rmdir(_ path: String) throws(Errno) { try fileSystem.rmdir(path) }
    func unlink(_ path: String) throws(Errno) { try fileSystem.unlink(path) }
    func rename(from source: String, to target: String, flags: RenameFlags) throws(Errno) {
        try fileSystem.rename(from: source, to: target, flags: flags)
    }
    func link(_ existing: String, _ newPath: String) throws(Errno) { try fileSystem.link(existing, newPath) }
    func openTemporary(in directory: String, _ flags: OpenFlags, mode: UInt32) throws(Errno) -> Int32 {
        try fileSystem.openTemporary(in: directory, flags, mode: mode)
    }
    func link(descriptor: Int32, to newPath: String) throws(Errno) { try fileSystem.link(descriptor: descriptor, to: newPath) }
    func symlink(_ target: String, _ path: String) throws(Errno) { try fileSystem.symlink(target, path) }
    func readlink(_ path: String) throws(Errno) -> String { try fileSystem.readlink(path) }
    func stat(_ path: String) throws(Errno) -> Attributes { try fileSystem.stat(path) }
    func lstat(_ path: String) throws(Errno) -> Attributes { try fileSystem.lstat(path) }
    func chmod(_ path: String, mode: UInt32) throws(Errno) { try fileSystem.chmod(path, mode: mode) }
    func chown(_ path: String, uid: UserID?, gid: GroupID?) throws(Errno) { try fileSystem.chown(path, uid: uid, gid: gid) }
    func utimens(_ path: String, access: TimeChange?, modification: TimeChange?) throws(Errno) {
        try fileSystem.utimens(path, access: access, modification: modification)
    }
    func truncate(_ path: String, size: Int64) throws(Errno) { try fileSystem.truncate(path, size: size) }
    func readdir(_ path: String) throws(Errno) -> [DirectoryEntry] { try fileSystem.readdir(path) }
    func setxattr(_ path: String, name: String, value: [UInt8], flags: XattrFlags) throws(Errno) {
        try fileSystem.setxattr(path, name: name, value: value, flags: flags)
    }
    func getxattr(_ path: String, name: String) throws(Errno) -> [UInt8] { try fileSystem.getxattr(path, name: name) }
    func listxattr(_ path: String) throws(Errno) -> [String] { try fileSystem.listxattr(path).map(\.description) }
    func removexattr(_ path: String, name: String) throws(Errno) { try fileSystem.removexattr(path, name: name) }
    func statfs(_ path: String) throws(Errno) -> FileSystemStatistics { try fileSystem.statfs(path) }
    func access(_ path: String, _ mask: AccessMask) throws(Errno) { try fileSystem.access(path, mask) }
    func dropCaches() {}
    func inodeFlags(_ path: String) throws(Errno) -> InodeFlags { try fileSystem.inodeFlags(path) }
    func setInodeFlags(_ path: String, _ flags: InodeFlags) throws(Errno) { try fileSystem.setInodeFlags(path, flags) }
}
