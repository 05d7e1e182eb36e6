#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// Extended attributes of the object a descriptor names.
///
/// The `f*xattr` calls refuse `O_PATH` descriptors (`EBADF`), and `l*xattr` on a path would need the parent.
/// These go through the descriptor's `/proc/self/fd/N` link with the following `*xattr` calls: the magic link
/// resolves to the object itself, so they work on files, directories and symlinks alike.
/// Names are attribute names as bytes without NUL.
extension HostDescriptor {
    /// The whole value of attribute `name` (`ENODATA` when absent).
    public func extendedAttribute(_ name: [UInt8]) throws(Errno) -> [UInt8] {
        let path = procPath
        return try withCString(name) { (cName) throws(Errno) -> [UInt8] in
            while true {
                let size = try systemCall { GNU.getxattr(path, cName, nil, 0) }
                var value = [UInt8](repeating: 0, count: size)
                do throws(Errno) {
                    let count = try value.withUnsafeMutableBytes { buffer in
                        Result { () throws(Errno) in
                            try systemCall { GNU.getxattr(path, cName, buffer.baseAddress, buffer.count) }
                        }
                    }.get()
                    return Array(value[..<count])
                } catch {
                    if error == .outOfRange { continue }  // the value grew between the two calls
                    throw error
                }
            }
        }
    }

    /// Sets attribute `name` to `value`; raw flags `XATTR_CREATE` (1) and `XATTR_REPLACE` (2), others the host's `EINVAL`.
    public func setExtendedAttribute(_ name: [UInt8], value: [UInt8], flags: UInt32) throws(Errno) {
        let path = procPath
        _ = try withCString(name) { (cName) throws(Errno) in
            try value.withUnsafeBytes { buffer in
                Result { () throws(Errno) in
                    try systemCall { GNU.setxattr(path, cName, buffer.baseAddress, buffer.count, CInt(bitPattern: flags)) }
                }
            }.get()
        }
    }

    /// The names of all attributes the caller may see.
    public func extendedAttributeNames() throws(Errno) -> [[UInt8]] {
        let path = procPath
        while true {
            let size = try systemCall { GNU.listxattr(path, nil, 0) }
            var list = [UInt8](repeating: 0, count: size)
            do throws(Errno) {
                let count = try list.withUnsafeMutableBytes { buffer in
                    Result { () throws(Errno) in
                        try systemCall {
                            GNU.listxattr(path, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), buffer.count)
                        }
                    }
                }.get()
                return list[..<count].split(separator: 0, omittingEmptySubsequences: true).map { Array($0) }
            } catch {
                if error == .outOfRange { continue }  // the list grew between the two calls
                throw error
            }
        }
    }

    /// Removes attribute `name` (`ENODATA` when absent).
    public func removeExtendedAttribute(_ name: [UInt8]) throws(Errno) {
        let path = procPath
        _ = try withCString(name) { (cName) throws(Errno) in
            try systemCall { GNU.removexattr(path, cName) }
        }
    }
}
