import BentoKit
import FUSEWire

// GETXATTR and LISTXATTR: the file system returns the whole value; the caller's buffer size decides the reply.
extension Dispatcher {
    /// The reply to a getxattr or listxattr of `value` into a buffer of `limit` bytes: the size needed when
    /// `limit` is 0, `ERANGE` when the value does not fit, else the value.
    static func sized(_ value: [UInt8], limit: UInt32) throws(Errno) -> ReplyBody {
        guard limit != 0 else { return .xattrSize(UInt32(clamping: value.count)) }
        guard value.count <= Int(limit) else { throw .outOfRange }
        return .data(value)
    }

    /// Attribute names as `listxattr(2)` returns them: each followed by a NUL.
    static func nameList(_ names: [XattrName]) -> [UInt8] {
        names.flatMap { $0.bytes + [0] }
    }
}
