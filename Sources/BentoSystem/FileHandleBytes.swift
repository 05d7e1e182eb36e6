#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// A Linux file handle (`struct file_handle`): an identity for an object that stays valid without an open
/// descriptor, from `name_to_handle_at(2)`, reopened with `open_by_handle_at(2)` (which needs
/// `CAP_DAC_READ_SEARCH`). A handle only has meaning on the mount it came from (the `mountID` that `fileHandle()` reports).
public struct FileHandleBytes: Sendable, Hashable {
    /// The file system's handle format (`handle_type`).
    public var type: Int32
    /// The opaque handle (`f_handle`, `handle_bytes` long).
    public var bytes: [UInt8]

    /// A handle with the given type and bytes.
    public init(type: Int32, bytes: [UInt8]) {
        self.type = type
        self.bytes = bytes
    }

    /// The size of `struct file_handle`'s header: `handle_bytes` (u32) and `handle_type` (i32).
    private static let headerSize = 8

    /// Lays the handle out as a `struct file_handle` and passes it to `body`.
    fileprivate func withRaw<Result>(_ body: (UnsafeMutableRawPointer) -> Result) -> Result {
        var raw = [UInt8](repeating: 0, count: Self.headerSize + bytes.count)
        return raw.withUnsafeMutableBytes { buffer in
            buffer.storeBytes(of: UInt32(bytes.count), toByteOffset: 0, as: UInt32.self)
            buffer.storeBytes(of: type, toByteOffset: 4, as: Int32.self)
            for (index, byte) in bytes.enumerated() { buffer[Self.headerSize + index] = byte }
            // A non-empty buffer's base address is never nil.
            return body(buffer.baseAddress!)
        }
    }

    /// Reads a `struct file_handle` that `name_to_handle_at` filled in.
    fileprivate static func capture(_ body: (UnsafeMutableRawPointer) throws(Errno) -> Void) throws(Errno) -> FileHandleBytes {
        var raw = [UInt8](repeating: 0, count: headerSize + Linux.maximumHandleSize)
        return try raw.withUnsafeMutableBytes { buffer in
            Result { () throws(Errno) -> FileHandleBytes in
                buffer.storeBytes(of: UInt32(Linux.maximumHandleSize), toByteOffset: 0, as: UInt32.self)
                // A non-empty buffer's base address is never nil.
                try body(buffer.baseAddress!)
                let count = min(Int(buffer.load(fromByteOffset: 0, as: UInt32.self)), Linux.maximumHandleSize)
                let type = buffer.load(fromByteOffset: 4, as: Int32.self)
                return FileHandleBytes(type: type, bytes: Array(buffer[headerSize ..< headerSize + count]))
            }
        }.get()
    }
}

extension HostDescriptor {
    /// The file handle of the object this descriptor names and the id of the mount it is on
    /// (`name_to_handle_at` with `AT_EMPTY_PATH`). Fails with `EOPNOTSUPP` on file systems without handles.
    public func fileHandle() throws(Errno) -> (handle: FileHandleBytes, mountID: Int32) {
        var mountID: CInt = 0
        let handle = try FileHandleBytes.capture { (raw) throws(Errno) in
            _ = try systemCall { GNU.nameToHandleAt(rawValue, "", raw, &mountID, Linux.emptyPath) }
        }
        return (handle, mountID)
    }

    /// Opens the object `handle` names, with this descriptor (not `O_PATH`) standing for its mount
    /// (`open_by_handle_at`); raw `open(2)` flags, `O_PATH` allowed. `ESTALE` when the object is gone.
    public func open(_ handle: FileHandleBytes, flags: CInt) throws(Errno) -> HostDescriptor {
        let descriptor = try systemCall {
            handle.withRaw { raw in GNU.openByHandleAt(rawValue, raw, (flags & ~O_CREAT & ~O_EXCL) | O_CLOEXEC) }
        }
        return HostDescriptor(owning: descriptor)
    }

    /// Opens the object `handle` names only to name it (`O_PATH`), with this descriptor standing for its mount.
    public func openPath(_ handle: FileHandleBytes) throws(Errno) -> HostDescriptor {
        try open(handle, flags: Linux.openPath)
    }

    /// Opens the directory this descriptor names for reading; usable as the mount descriptor of `open(_:flags:)`.
    public func openAsMountDescriptor() throws(Errno) -> HostDescriptor {
        try reopen(flags: O_RDONLY | O_DIRECTORY)
    }
}
