import BentoKit
import Testing

/// The ACL rules on plain values; the behaviour suite shows the same through tmpfs, memfs, xv6fs and passthrough.
@Suite struct AccessControlListTests {
    typealias Entry = AccessControlList.Entry

    /// What tmpfs returned for `setfacl -m u:1000:r` on a 0644 file (user::rw-, user:1000:r--, group::r--,
    /// mask::r--, other::r--), captured from this kernel.
    static let fromTmpfs: [UInt8] = hex("0200000001000600ffffffff02000400e803000004000400ffffffff10000400ffffffff20000400ffffffff")

    @Test func decodesAndEncodesTheKernelsFormat() throws {
        let list = try AccessControlList(attributeValue: Self.fromTmpfs)
        #expect(list.entries == [Entry(.owner, 6), Entry(.user, 4, id: 1000), Entry(.owningGroup, 4), Entry(.mask, 4),
                                 Entry(.other, 4)])
        #expect(list.attributeValue == Self.fromTmpfs)
        #expect(list.permissionBits == 0o644)
        #expect(!list.isMinimal)
        #expect(AccessControlList(permissions: 0o751).isMinimal)
        #expect(AccessControlList(permissions: 0o751).permissionBits == 0o751)
    }

    @Test func refusesWhatLinuxRefuses() {
        func reason(_ entries: [Entry]) -> Errno? {
            do { _ = try AccessControlList(attributeValue: AccessControlList(entries).attributeValue); return nil } catch { return error }
        }
        let owner = Entry(.owner, 6), group = Entry(.owningGroup, 4), other = Entry(.other, 0)
        #expect(reason([owner, group, other]) == nil)
        #expect(reason([owner, group, Entry(.mask, 4), other]) == nil, "a mask with no named entry is allowed")
        #expect(reason([owner, Entry(.user, 4, id: 7), group, other]) == .invalidArgument, "named entries need a mask")
        #expect(reason([group, owner, other]) == .invalidArgument, "out of tag order")
        #expect(reason([owner, owner, group, other]) == .invalidArgument)
        #expect(reason([owner, group, Entry(.mask, 4), Entry(.mask, 4), other]) == .invalidArgument)
        #expect(reason([owner, group]) == .invalidArgument, "no other entry")
        #expect(reason([owner, group, Entry(.other, 8)]) == .invalidArgument, "permissions beyond rwx")
        #expect(throws: Errno.notSupported) { try AccessControlList(attributeValue: [1, 0, 0, 0] + Self.fromTmpfs.dropFirst(4)) }
        #expect(throws: Errno.invalidArgument) { try AccessControlList(attributeValue: Array(Self.fromTmpfs.dropLast(3))) }
        #expect(throws: Errno.invalidArgument) { try AccessControlList(attributeValue: [2, 0, 0, 0]) }
        #expect(throws: Errno.invalidArgument) { try AccessControlList(attributeValue: [2, 0]) }
        var unknownTag = Self.fromTmpfs
        unknownTag[4] = 0x40
        #expect(throws: Errno.invalidArgument) { try AccessControlList(attributeValue: unknownTag) }
    }

    /// `posix_acl_permission`: a named user entry decides within the mask; any group entry that grants it all does;
    /// a caller in some group of the list never falls through to `other`.
    @Test func judgesACallerAsTheKernelDoes() {
        let list = AccessControlList([
            Entry(.owner, 7), Entry(.user, 7, id: 1000), Entry(.owningGroup, 4), Entry(.group, 6, id: 50),
            Entry(.mask, 6), Entry(.other, 7),
        ])
        let named = Request(uid: UserID(1000), gid: GroupID(1000))
        #expect(list.grants([.read, .write], to: named, objectGroup: GroupID(0)))
        #expect(!list.grants(.execute, to: named, objectGroup: GroupID(0)), "the mask holds back x")
        let inOwningGroup = Request(uid: UserID(2000), gid: GroupID(0))
        #expect(list.grants(.read, to: inOwningGroup, objectGroup: GroupID(0)))
        #expect(!list.grants(.write, to: inOwningGroup, objectGroup: GroupID(0)), "in a group: other's rwx do not count")
        let inBoth = Request(uid: UserID(2000), gid: GroupID(0), groups: [GroupID(50)])
        #expect(list.grants(.write, to: inBoth, objectGroup: GroupID(0)), "the named group grants it")
        let stranger = Request(uid: UserID(3000), gid: GroupID(3000))
        #expect(list.grants([.read, .write, .execute], to: stranger, objectGroup: GroupID(0)), "other, unmasked")
    }

    @Test func chmodAndCreationMoveTheMaskNotTheNamedEntries() {
        let list = AccessControlList([Entry(.owner, 7), Entry(.user, 7, id: 1000), Entry(.owningGroup, 5), Entry(.mask, 7),
                                      Entry(.other, 5)])
        #expect(list.changingMode(to: 0o640).entries
                == [Entry(.owner, 6), Entry(.user, 7, id: 1000), Entry(.owningGroup, 5), Entry(.mask, 4), Entry(.other, 0)])
        let (seeded, permissions) = list.seeding(permissions: 0o4666)
        #expect(seeded.entries
                == [Entry(.owner, 6), Entry(.user, 7, id: 1000), Entry(.owningGroup, 5), Entry(.mask, 6), Entry(.other, 4)])
        #expect(permissions == 0o4664, "set-user-ID stays; the group bits are the mask")
        let maskless = AccessControlList(permissions: 0o755)
        #expect(maskless.changingMode(to: 0o710).permissionBits == 0o710)
        #expect(maskless.seeding(permissions: 0o666).permissions == 0o644)
    }

    @Test func aNewObjectTakesTheDefaultACLOrTheUmask() {
        let directory = Ownership(mode: FileMode(type: .directory, permissions: 0o755), uid: .root, gid: .root)
        var request = Request(uid: UserID(1000), gid: GroupID(1000))
        request.umask = 0o027
        let file = FileMode(type: .regular, permissions: 0o666)
        let plain = directory.newObject(mode: file, for: request, defaultACL: nil)
        #expect(plain.ownership.mode.permissions == 0o640 && plain.accessACL == nil && plain.defaultACL == nil)
        let inherited = AccessControlList([Entry(.owner, 7), Entry(.user, 7, id: 7), Entry(.owningGroup, 5),
                                           Entry(.mask, 7), Entry(.other, 0)]).attributeValue
        let seeded = directory.newObject(mode: file, for: request, defaultACL: inherited)
        #expect(seeded.ownership.mode.permissions == 0o660, "the umask does not apply")
        #expect(seeded.accessACL.map { try? AccessControlList(attributeValue: $0) }??.entries.last == Entry(.other, 0))
        #expect(seeded.defaultACL == nil, "only a directory inherits the default ACL")
        let subdirectory = directory.newObject(mode: FileMode(type: .directory, permissions: 0o777), for: request,
                                               defaultACL: inherited)
        #expect(subdirectory.defaultACL == inherited && subdirectory.ownership.mode.permissions == 0o770)
        let link = directory.newObject(mode: FileMode(type: .symbolicLink, permissions: 0o777), for: request,
                                       defaultACL: inherited)
        #expect(link.ownership.mode.permissions == 0o777 && link.accessACL == nil)
        let damaged = directory.newObject(mode: file, for: request, defaultACL: [2, 0, 0, 0, 9])
        #expect(damaged.ownership.mode.permissions == 0o640, "an undecodable default counts as none")
    }

    /// The access ACL is read only for a caller who is neither owner nor root, on a mode with group bits.
    @Test func theAccessACLIsReadOnlyWhenItCanDecide() {
        let value = AccessControlList([Entry(.owner, 6), Entry(.user, 6, id: 1000), Entry(.owningGroup, 0),
                                       Entry(.mask, 6), Entry(.other, 0)]).attributeValue
        let stranger = Request(uid: UserID(1000), gid: GroupID(1000))
        var reads = 0
        func read() -> [UInt8]? {
            reads += 1
            return value
        }
        let withMask = Ownership(mode: FileMode(type: .regular, permissions: 0o660), uid: .root, gid: .root)
        #expect(withMask.grants(.write, to: stranger, accessACL: read))
        #expect(reads == 1)
        #expect(withMask.grants(.write, to: .root, accessACL: read))
        #expect(!Ownership(mode: FileMode(type: .regular, permissions: 0o600), uid: .root, gid: .root)
            .grants(.write, to: stranger, accessACL: read), "no group bits: the mode decides")
        #expect(!Ownership(mode: FileMode(type: .regular, permissions: 0o060), uid: UserID(1000), gid: .root)
            .grants(.write, to: stranger, accessACL: read), "the owner is judged by the owner bits")
        #expect(reads == 1)
    }

    @Test func settingAnAccessACLSetsTheModeAndKeepsOnlyWhatTheModeCannotSay() throws {
        let mode = FileMode(type: .regular, permissions: 0o2600)
        let minimal = AccessControlList(permissions: 0o754).attributeValue
        let (kept, value) = try mode.settingACL(.accessACL, to: minimal, flags: [])
        #expect(kept.permissions == 0o2754 && value == nil)
        #expect(try mode.settingACL(.accessACL, to: minimal, flags: .clearSetGroupID).mode.permissions == 0o754)
        #expect(try mode.settingACL(.accessACL, to: Self.fromTmpfs, flags: []) == (FileMode(type: .regular, permissions: 0o2644),
                                                                                     Self.fromTmpfs))
        #expect(try mode.settingACL(.defaultACL, to: minimal, flags: []) == (mode, minimal), "a default ACL leaves the mode")
        let file = Ownership(mode: mode, uid: UserID(1000), gid: .root)
        #expect(throws: Errno.permissionDenied) {
            try file.checkACLChange(.defaultACL, by: .root, checksPermissions: true)
        }
        #expect(throws: Errno.notPermitted) {
            try file.checkACLChange(.accessACL, by: Request(uid: UserID(7), gid: .root), checksPermissions: true)
        }
        try file.checkACLChange(.accessACL, by: Request(uid: UserID(7), gid: .root), checksPermissions: false)
        #expect(Ownership.accessACL(Self.fromTmpfs, afterChangingModeTo: 0o600).map { try? AccessControlList(attributeValue: $0) }??
            .permissionBits == 0o600)
        #expect(Ownership.accessACL(nil, afterChangingModeTo: 0o600) == nil)
    }
}

/// Bytes from hexadecimal text.
private func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8)
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16) ?? 0 }
}
