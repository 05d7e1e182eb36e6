import BentoKit

// Requests about an inode's attributes and metadata: GETATTR, SETATTR, READLINK, ACCESS, STATFS and the
// extended attributes (SETXATTR, GETXATTR, LISTXATTR, REMOVEXATTR).
extension RequestDecoder {
    static let attributeDecoders: [(Opcode, Decode)] = [
        (.getattr, decodeGetattr),
        (.setattr, decodeSetattr),
        (.readlink, { _ throws(DecodeError) in .readlink }),
        (.statfs, { _ throws(DecodeError) in .statfs }),
        (.access, { reader throws(DecodeError) in
            let mask = AccessMask(rawValue: try reader.read())
            try reader.skip(4)
            return .access(mask: mask)
        }),
        (.setxattr, { reader throws(DecodeError) in try decodeSetxattr(&reader, extended: false) }),
        (.getxattr, { reader throws(DecodeError) in
            let size = try xattrSize(&reader)
            return .getxattr(name: try reader.xattrName(), size: size)
        }),
        (.listxattr, { reader throws(DecodeError) in .listxattr(size: try xattrSize(&reader)) }),
        (.removexattr, { reader throws(DecodeError) in .removexattr(name: try reader.xattrName()) }),
    ]

    /// `fuse_getattr_in { getattr_flags, dummy, fh }`; the handle counts only with `FUSE_GETATTR_FH`.
    private static func decodeGetattr(_ reader: inout WireReader) throws(DecodeError) -> Operation {
        let flags: UInt32 = try reader.read()
        try reader.skip(4)
        let handle = FileHandle(try reader.read(UInt64.self))
        return .getattr(handle: flags & getattrHandleFlag != 0 ? handle : nil)
    }

    /// `fuse_setattr_in`: each field counts only when its `FATTR_*` bit is set in `valid`.
    private static func decodeSetattr(_ reader: inout WireReader) throws(DecodeError) -> Operation {
        let start = reader.offset
        let valid: UInt32 = try reader.read()
        try reader.skip(4)
        let handle: UInt64 = try reader.read()
        let size = try reader.fileOffset()
        try reader.skip(8)
        let atime: UInt64 = try reader.read()
        let mtime: UInt64 = try reader.read()
        let ctime: UInt64 = try reader.read()
        let atimensec: UInt32 = try reader.read()
        let mtimensec: UInt32 = try reader.read()
        let ctimensec: UInt32 = try reader.read()
        let mode: UInt32 = try reader.read()
        try reader.skip(4)
        let uid: UInt32 = try reader.read()
        let gid: UInt32 = try reader.read()
        try reader.skip(4)

        func isSet(_ bit: UInt32) -> Bool { valid & bit != 0 }
        func time(_ bit: UInt32, now: UInt32?, _ seconds: UInt64, _ nanoseconds: UInt32) throws(DecodeError) -> TimeChange? {
            if let now, isSet(now) { return .now }
            guard isSet(bit) else { return nil }
            guard nanoseconds < 1_000_000_000 else { throw DecodeError(.invalidValue, at: start) }
            return .time(Timestamp(seconds: Int64(bitPattern: seconds), nanoseconds: nanoseconds))
        }
        return .setattr(AttributeChanges(
            mode: isSet(SetattrValid.mode) ? FileMode(rawValue: mode) : nil,
            uid: isSet(SetattrValid.uid) ? UserID(uid) : nil,
            gid: isSet(SetattrValid.gid) ? GroupID(gid) : nil,
            size: isSet(SetattrValid.size) ? size : nil,
            accessTime: try time(SetattrValid.atime, now: SetattrValid.atimeNow, atime, atimensec),
            modificationTime: try time(SetattrValid.mtime, now: SetattrValid.mtimeNow, mtime, mtimensec),
            changeTime: try time(SetattrValid.ctime, now: nil, ctime, ctimensec),
            handle: isSet(SetattrValid.fh) ? FileHandle(handle) : nil,
            killSetID: isSet(SetattrValid.killSUIDGID)))
    }

    /// `fuse_setxattr_in { size, flags }` (the 8-byte form), or with `extended` (`FUSE_SETXATTR_EXT` negotiated)
    /// `{ size, flags, setxattr_flags, padding }`, whose `FUSE_SETXATTR_ACL_KILL_SGID` becomes
    /// `XattrFlags.clearSetGroupID`; then the name and exactly `size` bytes of value. Only the kernel's flag
    /// can ask for `clearSetGroupID`: the same bit in `flags` is dropped.
    static func decodeSetxattr(_ reader: inout WireReader, extended: Bool) throws(DecodeError) -> Operation {
        let size: UInt32 = try reader.read()
        var flags = XattrFlags(rawValue: try reader.read()).subtracting(.clearSetGroupID)
        if extended {
            let setxattrFlags: UInt32 = try reader.read()
            try reader.skip(4)
            if setxattrFlags & WireLayout.setxattrACLKillSetGroupID != 0 { flags.insert(.clearSetGroupID) }
        }
        let name = try reader.xattrName()
        guard reader.remaining == Int(size) else { throw DecodeError(.lengthMismatch, at: reader.offset) }
        return .setxattr(name: name, value: reader.rest(), flags: flags)
    }

    /// `fuse_getxattr_in { size, padding }`.
    private static func xattrSize(_ reader: inout WireReader) throws(DecodeError) -> UInt32 {
        let size: UInt32 = try reader.read()
        try reader.skip(4)
        return size
    }
}
