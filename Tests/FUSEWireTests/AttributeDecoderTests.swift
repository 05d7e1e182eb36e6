import BentoKit
import Testing
@testable import FUSEWire

/// `fuse_setattr_in` with the given `valid` bits and fixed field values.
private func setattrIn(valid: UInt32, atimensec: UInt32 = 5) -> [UInt8] {
    u32(valid) + u32(0)                   // valid, padding
        + u64(7) + u64(1000) + u64(0)     // fh, size, lock_owner
        + u64(100) + u64(200) + u64(300)  // atime, mtime, ctime
        + u32(atimensec) + u32(6) + u32(7)  // atimensec, mtimensec, ctimensec
        + u32(0o100600) + u32(0)          // mode, unused4
        + u32(1001) + u32(1002) + u32(0)  // uid, gid, unused5
}

@Suite struct AttributeDecoderTests {
    @Test func getattrUsesTheHandleOnlyWithGetattrFh() throws {
        #expect(try operation(request(.getattr, u32(1) + u32(0) + u64(9))) == .getattr(handle: FileHandle(9)))  // getattr_flags, dummy, fh
        #expect(try operation(request(.getattr, u32(0) + u32(0) + u64(9))) == .getattr(handle: nil))
    }

    @Test func setattrMapsEveryValidBit() throws {
        let all: UInt32 = 0b1110_0111_1111  // MODE UID GID SIZE ATIME MTIME FH LOCKOWNER CTIME KILL_SUIDGID
        #expect(try operation(request(.setattr, setattrIn(valid: all))) == .setattr(AttributeChanges(
            mode: FileMode(rawValue: 0o100600), uid: UserID(1001), gid: GroupID(1002), size: 1000,
            accessTime: .time(Timestamp(seconds: 100, nanoseconds: 5)),
            modificationTime: .time(Timestamp(seconds: 200, nanoseconds: 6)),
            changeTime: .time(Timestamp(seconds: 300, nanoseconds: 7)), handle: FileHandle(7), killSetID: true)))
        #expect(try operation(request(.setattr, setattrIn(valid: 0))) == .setattr(AttributeChanges()))
    }

    @Test func setattrNowBitsWin() throws {
        let valid: UInt32 = (1 << 4) | (1 << 5) | (1 << 7) | (1 << 8)  // ATIME MTIME ATIME_NOW MTIME_NOW
        #expect(try operation(request(.setattr, setattrIn(valid: valid)))
                == .setattr(AttributeChanges(accessTime: .now, modificationTime: .now)))
    }

    @Test func setattrWithNanosecondsOfASecondOrMoreIsRejected() {
        #expect(failure(request(.setattr, setattrIn(valid: 1 << 4, atimensec: 1_000_000_000))) == .invalidValue)
        #expect((try? operation(request(.setattr, setattrIn(valid: 0, atimensec: 1_000_000_000)))) != nil)
    }

    @Test func extendedAttributes() throws {
        let xattr = try XattrName("user.note")
        #expect(try operation(request(.setxattr, u32(3) + u32(1) + cString("user.note") + [1, 2, 3]))  // size, flags CREATE, name, value
                == .setxattr(name: xattr, value: [1, 2, 3], flags: .create))
        #expect(failure(request(.setxattr, u32(4) + u32(0) + cString("user.note") + [1, 2, 3])) == .lengthMismatch)
        #expect(try operation(request(.getxattr, u32(64) + u32(0) + cString("user.note")))  // size, padding, name
                == .getxattr(name: xattr, size: 64))
        #expect(try operation(request(.listxattr, u32(0) + u32(0))) == .listxattr(size: 0))
        #expect(try operation(request(.removexattr, cString("user.note"))) == .removexattr(name: xattr))
        #expect(failure(request(.removexattr, [0])) == .invalidName)
    }

    /// With FUSE_SETXATTR_EXT the header grows to 16 bytes; its ACL flag asks for set-group-ID to go, and only it
    /// may: the same bit in the caller's flags is dropped in either form.
    @Test func extendedSetxattrCarriesTheKillSetGroupIDFlag() throws {
        let acl = XattrName.accessACL
        let value: [UInt8] = [2, 0, 0, 0]
        let extended = u32(4) + u32(0) + u32(1) + u32(0) + cString("system.posix_acl_access") + value  // size, flags, setxattr_flags, padding
        #expect(try extendedOperation(request(.setxattr, extended))
                == .setxattr(name: acl, value: value, flags: .clearSetGroupID))
        let plain = u32(4) + u32(0) + u32(0) + u32(0) + cString("system.posix_acl_access") + value
        #expect(try extendedOperation(request(.setxattr, plain)) == .setxattr(name: acl, value: value, flags: []))
        let smuggled = u32(4) + u32(XattrFlags.clearSetGroupID.rawValue) + cString("system.posix_acl_access") + value
        #expect(try operation(request(.setxattr, smuggled)) == .setxattr(name: acl, value: value, flags: []))
        #expect(throws: DecodeError.self) { try extendedOperation(request(.setxattr, u32(4) + u32(0) + u32(1))) }
    }

    @Test func accessStatfsReadlink() throws {
        #expect(try operation(request(.access, u32(6) + u32(0))) == .access(mask: [.read, .write]))  // mask, padding
        #expect(try operation(request(.statfs)) == .statfs)
        #expect(try operation(request(.readlink)) == .readlink)
    }
}

/// The operation `bytes` decode to in a session that negotiated FUSE_SETXATTR_EXT.
private func extendedOperation(_ bytes: [UInt8]) throws(DecodeError) -> Operation {
    try bytes.withUnsafeBytes { buffer in
        Result { () throws(DecodeError) in try RequestDecoder.decode(buffer, extendedSetxattr: true) }
    }.get().operation
}
