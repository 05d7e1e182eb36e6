import BentoKit
import Testing
@testable import MemFS

@Suite struct PermissionTests {
    let t = Fixture()
    let alice = Fixture.alice, bob = Fixture.bob

    /// A world-writable directory for the users to work in.
    func sharedDirectory(_ permissions: UInt32 = 0o777) throws -> Inode {
        let directory = try t.mkdir("shared")
        _ = try t.fs.setattr(t.root, inode: directory, changes: AttributeChanges(mode: FileMode(rawValue: permissions)))
        return directory
    }

    @Test func newObjectsBelongToTheCaller() throws {
        let directory = try sharedDirectory()
        let file = try t.create("mine", in: directory, as: alice)
        let attributes = try t.attributes(file.inode)
        #expect(attributes.uid == alice.uid && attributes.gid == alice.gid)
    }

    @Test func onlyTheOwnerOrRootMayChmod() throws {
        let directory = try sharedDirectory()
        let file = try t.create("f", in: directory, as: alice)
        #expect(throws: Errno.notPermitted) {
            _ = try t.fs.setattr(bob, inode: file.inode, changes: AttributeChanges(mode: FileMode(rawValue: 0o777)))
        }
        _ = try t.fs.setattr(alice, inode: file.inode, changes: AttributeChanges(mode: FileMode(rawValue: 0o600)))
        #expect(try t.attributes(file.inode).mode.permissions == 0o600)
        #expect(try t.attributes(file.inode).mode.isRegular)
    }

    @Test func onlyRootGivesFilesAwayAndOwnersPickTheirOwnGroups() throws {
        let directory = try sharedDirectory()
        let file = try t.create("f", in: directory, as: alice)
        #expect(throws: Errno.notPermitted) {
            _ = try t.fs.setattr(alice, inode: file.inode, changes: AttributeChanges(uid: bob.uid))
        }
        #expect(throws: Errno.notPermitted) {
            _ = try t.fs.setattr(alice, inode: file.inode, changes: AttributeChanges(gid: GroupID(5)))
        }
        var member = alice
        member.groups = [GroupID(5)]
        _ = try t.fs.setattr(member, inode: file.inode, changes: AttributeChanges(gid: GroupID(5)))
        _ = try t.fs.setattr(t.root, inode: file.inode, changes: AttributeChanges(uid: bob.uid))
        #expect(try t.attributes(file.inode).uid == bob.uid)
    }

    @Test func chmodBySomeoneOutsideTheGroupDropsSetGroupID() throws {
        let directory = try sharedDirectory()
        let file = try t.create("f", in: directory, as: alice)
        _ = try t.fs.setattr(t.root, inode: file.inode, changes: AttributeChanges(gid: GroupID(5)))
        _ = try t.fs.setattr(alice, inode: file.inode, changes: AttributeChanges(mode: FileMode(rawValue: 0o2755)))
        #expect(try t.attributes(file.inode).mode.permissions == 0o755)
    }

    @Test func setGroupIDDirectoriesPassTheirGroupAndBitOn() throws {
        let directory = try sharedDirectory(0o2777)
        _ = try t.fs.setattr(t.root, inode: directory, changes: AttributeChanges(gid: GroupID(50)))
        let file = try t.create("f", in: directory, as: alice)
        let subdirectory = try t.mkdir("sub", in: directory, as: alice)
        #expect(try t.attributes(file.inode).gid == GroupID(50))
        #expect(try t.attributes(subdirectory).gid == GroupID(50))
        #expect(try t.attributes(subdirectory).mode.permissions & FileMode.setGroupID != 0)
        #expect(try t.attributes(file.inode).mode.permissions & FileMode.setGroupID == 0)
    }

    @Test func writeByAnotherUserClearsSetUserID() throws {
        let file = try t.create("prog", mode: 0o6777)
        try t.write([1], to: file, at: 0)
        #expect(try t.attributes(file.inode).mode.permissions == 0o6777)
        let handle = try t.fs.open(alice, inode: file.inode, flags: .writeOnly).handle
        try t.write([2], to: (file.inode, handle), at: 0, as: alice)
        #expect(try t.attributes(file.inode).mode.permissions == 0o777)
    }

    @Test func chownAndKillSetIDClearSetIDBits() throws {
        let file = try t.create("prog", mode: 0o6755)
        _ = try t.fs.setattr(t.root, inode: file.inode, changes: AttributeChanges(uid: alice.uid))
        #expect(try t.attributes(file.inode).mode.permissions == 0o755)
        _ = try t.fs.setattr(t.root, inode: file.inode, changes: AttributeChanges(mode: FileMode(rawValue: 0o4755)))
        _ = try t.fs.setattr(t.root, inode: file.inode, changes: AttributeChanges(killSetID: true))
        #expect(try t.attributes(file.inode).mode.permissions == 0o755)
    }

    @Test func stickyDirectoriesProtectOtherUsersFiles() throws {
        let directory = try sharedDirectory(0o1777)
        _ = try t.create("alices", in: directory, as: alice)
        #expect(throws: Errno.notPermitted) { try t.fs.unlink(bob, parent: directory, name: t.name("alices")) }
        #expect(throws: Errno.notPermitted) {
            try t.fs.rename(bob, parent: directory, name: t.name("alices"), newParent: directory, newName: t.name("x"), flags: [])
        }
        try t.fs.unlink(alice, parent: directory, name: t.name("alices"))
    }

    @Test func modeBitsGateReadingWritingAndSearching() throws {
        let directory = try sharedDirectory()
        let file = try t.create("secret", in: directory, mode: 0o600, as: alice)
        #expect(throws: Errno.permissionDenied) { try t.fs.open(bob, inode: file.inode, flags: []) }
        #expect(throws: Errno.permissionDenied) { try t.fs.open(bob, inode: file.inode, flags: .writeOnly) }
        _ = try t.fs.open(t.root, inode: file.inode, flags: .readWrite)
        let closed = try t.mkdir("closed", in: directory, mode: 0o700, as: alice)
        #expect(throws: Errno.permissionDenied) { try t.lookup("x", in: closed, as: bob) }
        #expect(throws: Errno.permissionDenied) { try t.create("x", in: closed, as: bob) }
        #expect(throws: Errno.permissionDenied) { try t.fs.opendir(bob, inode: closed, flags: []) }
    }

    @Test func accessFollowsTheSameRulesIncludingRootsExecuteRule() throws {
        let file = try t.create("f", mode: 0o644)
        try t.fs.access(t.root, inode: file.inode, mask: [.read, .write])
        #expect(throws: Errno.permissionDenied) { try t.fs.access(t.root, inode: file.inode, mask: .execute) }
        #expect(throws: Errno.permissionDenied) { try t.fs.access(alice, inode: file.inode, mask: .write) }
        try t.fs.access(alice, inode: file.inode, mask: .read)
        try t.fs.access(alice, inode: file.inode, mask: [])
        _ = try t.fs.setattr(t.root, inode: file.inode, changes: AttributeChanges(mode: FileMode(rawValue: 0o010)))
        try t.fs.access(t.root, inode: file.inode, mask: .execute)
    }

    @Test func settingTimesNeedsOwnershipOrWritePermissionForNow() throws {
        let directory = try sharedDirectory()
        let file = try t.create("f", in: directory, mode: 0o666, as: alice)
        let past = TimeChange.time(Timestamp(seconds: 5))
        _ = try t.fs.setattr(bob, inode: file.inode, changes: AttributeChanges(accessTime: .now, modificationTime: .now))
        #expect(throws: Errno.notPermitted) {
            _ = try t.fs.setattr(bob, inode: file.inode, changes: AttributeChanges(modificationTime: past))
        }
        _ = try t.fs.setattr(t.root, inode: file.inode, changes: AttributeChanges(mode: FileMode(rawValue: 0o644)))
        #expect(throws: Errno.permissionDenied) {
            _ = try t.fs.setattr(bob, inode: file.inode, changes: AttributeChanges(accessTime: .now, modificationTime: .now))
        }
        _ = try t.fs.setattr(alice, inode: file.inode, changes: AttributeChanges(modificationTime: past))
        #expect(try t.attributes(file.inode).modificationTime == Timestamp(seconds: 5))
    }

    @Test func checksAreOffWhenTheKernelDoesThem() throws {
        let fixture = Fixture(options: .init(capacity: 1 << 20, checksPermissions: false))
        let file = try fixture.create("f", mode: 0o600)
        _ = try fixture.fs.open(alice, inode: file.inode, flags: .readWrite)
        _ = try fixture.fs.setattr(alice, inode: file.inode, changes: AttributeChanges(mode: FileMode(rawValue: 0o777)))
    }
}
