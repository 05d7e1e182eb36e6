import BentoKit
import Testing

// POSIX ACLs, set and read as `setfacl` and `getfacl` do: through `system.posix_acl_access` and
// `system.posix_acl_default`, whose values are written here byte by byte (version 2, then 8-byte entries
// { u16 tag, u16 permissions, u32 id }), so the cases do not lean on BentoKit's own encoder. tmpfs runs them
// too: each fact is Linux's.

/// One ACL entry as the attribute stores it: tag (1 owner, 2 user, 4 owning group, 8 group, 0x10 mask,
/// 0x20 other), rwx bits, id (named entries only).
private func entry(_ tag: UInt16, _ permissions: UInt16, id: UInt32 = .max) -> [UInt8] {
    [UInt8(tag & 0xFF), UInt8(tag >> 8), UInt8(permissions & 0xFF), UInt8(permissions >> 8),
     UInt8(id & 0xFF), UInt8(id >> 8 & 0xFF), UInt8(id >> 16 & 0xFF), UInt8(id >> 24)]
}

/// An ACL attribute value: the version, then `entries`.
private func acl(_ entries: [UInt8]...) -> [UInt8] { [2, 0, 0, 0] + entries.flatMap { $0 } }

private let access = "system.posix_acl_access"
private let defaultList = "system.posix_acl_default"

let accessControlCases: [BehaviourCase] = [
    BehaviourCase("anAccessACLGrantsANamedUserWhatTheModeDenies") { w in
        try w.create("f", bytes("secret"), mode: 0o640)
        let alice = w.driver.asUser(user.uid, group: user.gid)
        #expect(failure { _ = try alice.open(w.path("f"), [], mode: 0) } == .permissionDenied)
        let list = acl(entry(1, 6), entry(2, 4, id: user.uid), entry(4, 4), entry(0x10, 4), entry(0x20, 0))
        try w.driver.setxattr(w.path("f"), name: access, value: list, flags: [])
        #expect(try w.driver.stat(w.path("f")).mode.permissions == 0o640)
        #expect(try w.driver.getxattr(w.path("f"), name: access) == list)
        #expect(try w.driver.listxattr(w.path("f")).contains(access))
        let descriptor = try alice.open(w.path("f"), [], mode: 0)
        #expect(try alice.read(descriptor, count: 16) == bytes("secret"))
        try alice.close(descriptor)
        #expect(failure { _ = try alice.open(w.path("f"), [.writeOnly], mode: 0) } == .permissionDenied)
        #expect(try alice.getxattr(w.path("f"), name: access) == list, "anyone may read an ACL")
    },
    BehaviourCase("theMaskBoundsNamedEntriesAndFollowsChmod") { w in
        try w.create("f", bytes("x"), mode: 0o600)
        try w.driver.setxattr(w.path("f"), name: access, value: acl(entry(1, 6), entry(2, 6, id: user.uid),
                                                                    entry(4, 0), entry(0x10, 6), entry(0x20, 0)), flags: [])
        #expect(try w.driver.stat(w.path("f")).mode.permissions == 0o660, "the group bits show the mask")
        let alice = w.driver.asUser(user.uid, group: user.gid)
        try alice.close(try alice.open(w.path("f"), [.writeOnly], mode: 0))
        try w.driver.chmod(w.path("f"), mode: 0o640)
        #expect(try w.driver.getxattr(w.path("f"), name: access)
                == acl(entry(1, 6), entry(2, 6, id: user.uid), entry(4, 0), entry(0x10, 4), entry(0x20, 0)))
        #expect(failure { _ = try alice.open(w.path("f"), [.writeOnly], mode: 0) } == .permissionDenied)
        try alice.close(try alice.open(w.path("f"), [], mode: 0))
        try w.driver.removexattr(w.path("f"), name: access)
        #expect(try w.driver.stat(w.path("f")).mode.permissions == 0o640, "removing the ACL keeps the mode")
        #expect(failure { _ = try alice.open(w.path("f"), [], mode: 0) } == .permissionDenied)
    },
    BehaviourCase("anACLTheModeSaysAllOfSetsTheModeAndIsNotKept") { w in
        try w.create("f", mode: 0o600)
        try w.driver.setxattr(w.path("f"), name: access, value: acl(entry(1, 7), entry(4, 5), entry(0x20, 1)), flags: [])
        #expect(try w.driver.stat(w.path("f")).mode.permissions == 0o751)
        #expect(failure { _ = try w.driver.getxattr(w.path("f"), name: access) } == .noData)
        #expect(try !w.driver.listxattr(w.path("f")).contains(access))
    },
    BehaviourCase("aDefaultACLIsInheritedInsteadOfTheUmask") { w in
        try w.driver.mkdir(w.path("d"), mode: 0o755)
        let inherited = acl(entry(1, 7), entry(2, 7, id: user.uid), entry(4, 5), entry(0x10, 7), entry(0x20, 0))
        try w.driver.setxattr(w.path("d"), name: defaultList, value: inherited, flags: [])
        #expect(try w.driver.stat(w.path("d")).mode.permissions == 0o755, "a default ACL leaves the mode alone")
        try w.create("d/f", bytes("shared"), mode: 0o666)
        #expect(try w.driver.stat(w.path("d/f")).mode.permissions == 0o660, "umask 022 ignored, mask rw-")
        #expect(try w.driver.getxattr(w.path("d/f"), name: access)
                == acl(entry(1, 6), entry(2, 7, id: user.uid), entry(4, 5), entry(0x10, 6), entry(0x20, 0)))
        #expect(failure { _ = try w.driver.getxattr(w.path("d/f"), name: defaultList) } == .noData)
        try w.driver.mkdir(w.path("d/sub"), mode: 0o777)
        #expect(try w.driver.stat(w.path("d/sub")).mode.permissions == 0o770)
        #expect(try w.driver.getxattr(w.path("d/sub"), name: defaultList) == inherited, "a subdirectory inherits it")
        #expect(try w.driver.getxattr(w.path("d/sub"), name: access)
                == acl(entry(1, 7), entry(2, 7, id: user.uid), entry(4, 5), entry(0x10, 7), entry(0x20, 0)))
        let alice = w.driver.asUser(user.uid, group: user.gid)
        let descriptor = try alice.open(w.path("d/f"), [.readWrite], mode: 0)
        #expect(try alice.read(descriptor, count: 16) == bytes("shared"))
        try alice.close(descriptor)
        try w.driver.symlink("f", w.path("d/link"))
        #expect(try w.driver.lstat(w.path("d/link")).mode.permissions == 0o777, "a symlink takes no ACL")
        try w.driver.mkdir(w.path("plain"), mode: 0o777)
        #expect(try w.driver.stat(w.path("plain")).mode.permissions == 0o755, "without a default ACL the umask applies")
    },
    BehaviourCase("onlyTheOwnerSetsACLsAndADefaultOneOnlyOnADirectory") { w in
        try w.create("f", mode: 0o644)
        let minimal = acl(entry(1, 6), entry(4, 4), entry(0x20, 4))
        #expect(failure { try w.driver.setxattr(w.path("f"), name: defaultList, value: minimal, flags: []) } == .permissionDenied)
        try w.driver.removexattr(w.path("f"), name: defaultList)  // removing one that cannot be there succeeds
        let alice = w.driver.asUser(user.uid, group: user.gid)
        #expect(failure { try alice.setxattr(w.path("f"), name: access, value: minimal, flags: []) } == .notPermitted)
        let noMask = acl(entry(1, 6), entry(2, 4, id: user.uid), entry(4, 4), entry(0x20, 4))
        #expect(failure { try w.driver.setxattr(w.path("f"), name: access, value: noMask, flags: []) } == .invalidArgument)
        let outOfOrder = acl(entry(4, 4), entry(1, 6), entry(0x20, 4))
        #expect(failure { try w.driver.setxattr(w.path("f"), name: access, value: outOfOrder, flags: []) } == .invalidArgument)
        #expect(failure { try w.driver.setxattr(w.path("f"), name: access, value: [2, 0, 0, 0, 1], flags: []) }
                == .invalidArgument)
        #expect(failure { try w.driver.setxattr(w.path("f"), name: access, value: [3, 0, 0, 0] + minimal.dropFirst(4), flags: []) }
                == .notSupported)
        #expect(try w.driver.stat(w.path("f")).mode.permissions == 0o644, "a refused ACL changes nothing")
    },
    BehaviourCase("settingAnACLOutsideTheFilesGroupClearsSetGroupID") { w in
        try w.driver.mkdir(w.path("open"), mode: 0o777)
        try w.driver.chmod(w.path("open"), mode: 0o777)
        try w.create("open/f", mode: 0o644)
        try w.driver.chown(w.path("open/f"), uid: UserID(user.uid), gid: nil)
        try w.driver.chmod(w.path("open/f"), mode: 0o2775)
        let alice = w.driver.asUser(user.uid, group: user.gid)
        try alice.setxattr(w.path("open/f"), name: access, value: acl(entry(1, 7), entry(4, 5), entry(0x20, 4)), flags: [])
        #expect(try w.driver.stat(w.path("open/f")).mode.permissions == 0o754, "set-group-ID goes, the bits follow the ACL")
        try w.driver.chmod(w.path("open/f"), mode: 0o2775)
        try w.driver.setxattr(w.path("open/f"), name: access, value: acl(entry(1, 7), entry(4, 5), entry(0x20, 4)), flags: [])
        #expect(try w.driver.stat(w.path("open/f")).mode.permissions == 0o2754, "root keeps it")
    },
]
