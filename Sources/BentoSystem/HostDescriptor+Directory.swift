#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// Namespace operations on a host directory descriptor (`O_PATH` is enough): open, make, remove, rename and
/// link names inside it. Names are single path components as bytes, without a terminating NUL.
extension HostDescriptor {
    /// Opens a host directory by path as an `O_PATH` descriptor, failing with `ENOTDIR` when it is not a directory.
    public static func openDirectory(atPath path: String) throws(Errno) -> HostDescriptor {
        try HostDescriptor(opening: path, flags: Linux.openPath | O_DIRECTORY)
    }

    /// Names the object `name` in this directory without following a final symlink (`openat(O_PATH|O_NOFOLLOW)`).
    public func openPath(_ name: some Collection<UInt8>) throws(Errno) -> HostDescriptor {
        let descriptor = try withCString(name) { (cName) throws(Errno) in
            try systemCall { openat(rawValue, cName, Linux.openPath | O_NOFOLLOW | O_CLOEXEC) }
        }
        return HostDescriptor(owning: descriptor)
    }

    /// Opens (and with `O_CREAT` in `flags`, creates with `mode`) the file `name` in this directory.
    public func openFile(_ name: some Collection<UInt8>, flags: CInt, mode: UInt32) throws(Errno) -> HostDescriptor {
        let descriptor = try withCString(name) { (cName) throws(Errno) in
            try systemCall { openat(rawValue, cName, flags | O_CLOEXEC, mode_t(mode)) }
        }
        return HostDescriptor(owning: descriptor)
    }

    /// Opens a new regular file with no name in this directory (`O_TMPFILE` with `flags`, which must write), with
    /// `mode`; it goes at its last close unless `link(as:in:)` names it first (never after `O_EXCL`).
    public func openUnnamed(flags: CInt, mode: UInt32) throws(Errno) -> HostDescriptor {
        let descriptor = try systemCall { openat(rawValue, ".", flags | Linux.temporaryFile | O_CLOEXEC, mode_t(mode)) }
        return HostDescriptor(owning: descriptor)
    }

    /// A second descriptor naming this one's object without opening it for I/O (`O_PATH`).
    public func pathDescriptor() throws(Errno) -> HostDescriptor { try reopen(flags: Linux.openPath) }

    /// Makes a directory `name` here (`mkdirat`).
    public func makeDirectory(_ name: some Collection<UInt8>, mode: UInt32) throws(Errno) {
        _ = try withCString(name) { (cName) throws(Errno) in
            try systemCall { mkdirat(rawValue, cName, mode_t(mode)) }
        }
    }

    /// Makes a file, FIFO, socket or device node `name` here (`mknodat`); `mode` includes the type bits.
    public func makeNode(_ name: some Collection<UInt8>, mode: UInt32, device: UInt64) throws(Errno) {
        _ = try withCString(name) { (cName) throws(Errno) in
            try systemCall { mknodat(rawValue, cName, mode_t(mode), dev_t(device)) }
        }
    }

    /// Makes a symbolic link `name` → `target` here (`symlinkat`).
    public func makeSymbolicLink(_ name: some Collection<UInt8>, target: [UInt8]) throws(Errno) {
        _ = try withCString(target) { (cTarget) throws(Errno) in
            try withCString(name) { (cName) throws(Errno) in
                try systemCall { symlinkat(cTarget, rawValue, cName) }
            }
        }
    }

    /// Removes the name `name` here: a directory when `directory` is true (`unlinkat`, `AT_REMOVEDIR`).
    public func remove(_ name: some Collection<UInt8>, directory: Bool) throws(Errno) {
        _ = try withCString(name) { (cName) throws(Errno) in
            try systemCall { unlinkat(rawValue, cName, directory ? AT_REMOVEDIR : 0) }
        }
    }

    /// Renames `name` here to `newName` in `newDirectory` with raw `renameat2` flags
    /// (`RENAME_NOREPLACE` = 1, `RENAME_EXCHANGE` = 2, `RENAME_WHITEOUT` = 4).
    public func rename(_ name: some Collection<UInt8>, to newDirectory: HostDescriptor, _ newName: some Collection<UInt8>,
                       flags: UInt32) throws(Errno) {
        _ = try withCString(name) { (cName) throws(Errno) in
            try withCString(newName) { (cNewName) throws(Errno) in
                try systemCall { GNU.renameat2(rawValue, cName, newDirectory.rawValue, cNewName, flags) }
            }
        }
    }

    /// Makes a hard link to the object this descriptor names, as `newName` in `newDirectory`. Goes through the
    /// `/proc/self/fd` link, so it needs no `CAP_DAC_READ_SEARCH` and works under a caller's identity.
    public func link(as newName: some Collection<UInt8>, in newDirectory: HostDescriptor) throws(Errno) {
        let path = procPath
        _ = try withCString(newName) { (cNewName) throws(Errno) in
            try systemCall { linkat(AT_FDCWD, path, newDirectory.rawValue, cNewName, Linux.symlinkFollow) }
        }
    }

    /// Reads the target of the symbolic link this descriptor names (`readlinkat` with an empty path).
    public func readLink() throws(Errno) -> [UInt8] {
        var capacity = 256
        while true {
            var buffer = [UInt8](repeating: 0, count: capacity)
            let count = try buffer.withUnsafeMutableBytes { bytes in
                Result { () throws(Errno) in
                    try systemCall { readlinkat(rawValue, "", bytes.baseAddress!.assumingMemoryBound(to: CChar.self), bytes.count) }
                }
            }.get()
            if count < capacity { return Array(buffer[..<count]) }
            capacity *= 4
        }
    }

    /// Checks access to this object with the thread's file-system ids (`faccessat(AT_EACCESS|AT_EMPTY_PATH)`);
    /// `mask` is `R_OK` (4) | `W_OK` (2) | `X_OK` (1), or 0 for existence; other bits are the host's `EINVAL`.
    public func checkAccess(_ mask: UInt32) throws(Errno) {
        _ = try systemCall { faccessat(rawValue, "", CInt(bitPattern: mask), Linux.effectiveAccess | Linux.emptyPath) }
    }
}
