import BentoKit
import Foundation
import Testing

// Attributes, extended attributes, statfs, and permissions for a user who is not root (uid 1000).

/// The unprivileged user the permission cases act as.
let user: (uid: UInt32, gid: UInt32) = (1000, 1000)

let attributeCases: [BehaviourCase] = [
    BehaviourCase("chmodAsRootChangesThePermissionBits") { w in
        try w.create("f")
        try w.driver.chmod(w.path("f"), mode: 0o4751)
        #expect(try w.driver.stat(w.path("f")).mode == FileMode(type: .regular, permissions: 0o4751))
    },
    BehaviourCase("chownAsRootChangesOwnerAndGroup") { w in
        try w.create("f")
        try w.driver.chown(w.path("f"), uid: UserID(1234), gid: nil)
        try w.driver.chown(w.path("f"), uid: nil, gid: GroupID(5678))
        let attributes = try w.driver.stat(w.path("f"))
        #expect(attributes.uid == UserID(1234))
        #expect(attributes.gid == GroupID(5678))
    },
    BehaviourCase("utimensSetsTimesAndOmitKeepsThem") { w in
        try w.create("f")
        let access = Timestamp(seconds: 1_000_000_000, nanoseconds: 5)
        let modification = Timestamp(seconds: 1_100_000_000, nanoseconds: 700)
        try w.driver.utimens(w.path("f"), access: .time(access), modification: .time(modification))
        try w.driver.utimens(w.path("f"), access: nil, modification: nil)
        let attributes = try w.driver.stat(w.path("f"))
        #expect(attributes.accessTime == access)
        #expect(attributes.modificationTime == modification)
        try w.driver.utimens(w.path("f"), access: nil, modification: .now)
        let after = try w.driver.stat(w.path("f"))
        #expect(after.accessTime == access)
        #expect(after.modificationTime > modification)
    },
    BehaviourCase("aReadSetsAnAccessTimeNotAfterTheLastChangeOnceAsRelatime") { w in
        try w.create("f", Array("data".utf8))
        let old = Timestamp(seconds: 1_000_000_000), changed = Timestamp(seconds: 1_100_000_000)
        try w.driver.utimens(w.path("f"), access: .time(old), modification: .time(changed))
        // Linux stamps access times from its coarse clock and, on tmpfs and ext4, change times finer: within one
        // tick of the utimens the first read's atime could land before the ctime, and relatime update it again.
        Thread.sleep(forTimeInterval: 0.02)
        let read = { () throws(Errno) -> Timestamp in
            w.driver.dropCaches()
            let descriptor = try w.driver.open(w.path("f"), [], mode: 0)
            defer { try? w.driver.close(descriptor) }
            #expect(try w.driver.read(descriptor, count: 10) == Array("data".utf8))
            return try w.driver.stat(w.path("f")).accessTime
        }
        let first = try read()
        #expect(first > changed, "a read after a change sets the access time")
        #expect(try read() == first, "a second read, the access time now after every change, leaves it")
        #expect(try w.driver.stat(w.path("f")).modificationTime == changed, "reading changes no other time")
    },
    BehaviourCase("listingADirectorySetsItsAccessTimeAsRelatime") { w in
        try w.driver.mkdir(w.path("d"), mode: 0o755)
        try w.create("d/x")
        let old = Timestamp(seconds: 1_000_000_000)
        try w.driver.utimens(w.path("d"), access: .time(old), modification: .time(old))
        w.driver.dropCaches()
        #expect(try w.driver.readdir(w.path("d")).map(\.name.description).contains("x"))
        #expect(try w.driver.stat(w.path("d")).accessTime > old)
    },
    BehaviourCase("chattrImmutableRefusesEveryChangeUntilCleared") { w in
        try w.create("f", bytes("data"))
        try w.driver.mkdir(w.path("d"), mode: 0o755)
        #expect(try w.driver.inodeFlags(w.path("f")) == [])
        try w.driver.setInodeFlags(w.path("f"), .immutable)
        try w.driver.setInodeFlags(w.path("d"), .immutable)
        #expect(try w.driver.inodeFlags(w.path("f")) == .immutable)
        #expect(try w.contents("f") == bytes("data"), "reading goes on")
        #expect(failure { _ = try w.driver.open(w.path("f"), [.writeOnly], mode: 0) } == .notPermitted)
        #expect(failure { _ = try w.driver.open(w.path("f"), [.truncate], mode: 0) } == .notPermitted)
        #expect(failure { try w.driver.truncate(w.path("f"), size: 0) } == .notPermitted)
        #expect(failure { try w.driver.chmod(w.path("f"), mode: 0o600) } == .notPermitted)
        #expect(failure { try w.driver.setxattr(w.path("f"), name: "user.x", value: [1], flags: []) } == .notPermitted)
        #expect(failure { try w.driver.unlink(w.path("f")) } == .notPermitted)
        #expect(failure { try w.driver.rename(from: w.path("f"), to: w.path("g"), flags: []) } == .notPermitted)
        #expect(failure { try w.driver.link(w.path("f"), w.path("g")) } == .notPermitted)
        #expect(failure { try w.create("d/new") } == .notPermitted, "no name is added to an immutable directory")
        #expect(failure { try w.driver.mkdir(w.path("d/sub"), mode: 0o755) } == .notPermitted)
        try w.driver.setInodeFlags(w.path("f"), [])
        try w.driver.setInodeFlags(w.path("d"), [])
        try w.create("f", bytes("changed"))
        try w.create("d/new")
        #expect(try w.contents("f") == bytes("changed"))
    },
    BehaviourCase("chattrAppendOnlyAllowsOnlyAppending") { w in
        try w.create("f", bytes("log"))
        try w.driver.setInodeFlags(w.path("f"), .appendOnly)
        #expect(failure { _ = try w.driver.open(w.path("f"), [.writeOnly], mode: 0) } == .notPermitted)
        #expect(failure { _ = try w.driver.open(w.path("f"), [.writeOnly, .append, .truncate], mode: 0) } == .notPermitted)
        let fd = try w.driver.open(w.path("f"), [.writeOnly, .append], mode: 0)
        #expect(try w.driver.write(fd, bytes("+1")) == 2)
        try w.driver.close(fd)
        #expect(try w.contents("f") == bytes("log+1"))
        #expect(failure { try w.driver.truncate(w.path("f"), size: 1) } == .notPermitted)
        #expect(failure { try w.driver.unlink(w.path("f")) } == .notPermitted)
        #expect(failure { try w.driver.chmod(w.path("f"), mode: 0o600) } == .notPermitted)
        try w.driver.setInodeFlags(w.path("f"), [])
        try w.driver.unlink(w.path("f"))
    },
    BehaviourCase("chattrKeepsNoDumpAndNoAtimeAndRefusesFlagsItCannotKeep") { w in
        try w.create("f", bytes("data"))
        try w.driver.setInodeFlags(w.path("f"), [.noDump, .noAccessTime])
        #expect(try w.driver.inodeFlags(w.path("f")) == [.noDump, .noAccessTime])
        let old = Timestamp(seconds: 1_000_000_000)
        try w.driver.utimens(w.path("f"), access: .time(old), modification: .time(old))
        w.driver.dropCaches()
        #expect(try w.contents("f") == bytes("data"))
        #expect(try w.driver.stat(w.path("f")).accessTime == old, "no-atime: a read leaves the access time")
        #expect(failure { try w.driver.setInodeFlags(w.path("f"), InodeFlags(rawValue: 0x8)) } == .notSupported, "FS_SYNC_FL")
        #expect(try w.driver.inodeFlags(w.path("f")) == [.noDump, .noAccessTime])
    },
    BehaviourCase("statfsReportsSaneNumbers") { w in
        let statistics = try w.driver.statfs(w.root)
        #expect(statistics.blockSize > 0)
        #expect(statistics.freeBlocks <= statistics.totalBlocks)
        #expect(statistics.availableBlocks <= statistics.freeBlocks)
        #expect(statistics.freeInodes <= statistics.totalInodes)
        #expect(statistics.maximumNameLength == 255)
    },
    BehaviourCase("xattrsAreCreatedReplacedListedAndRemoved") { w in
        try w.create("f")
        let path = w.path("f")
        try w.driver.setxattr(path, name: "user.colour", value: bytes("blue"), flags: .create)
        #expect(failure { try w.driver.setxattr(path, name: "user.colour", value: bytes("red"), flags: .create) } == .fileExists)
        #expect(failure { try w.driver.setxattr(path, name: "user.size", value: bytes("1"), flags: .replace) } == .noData)
        try w.driver.setxattr(path, name: "user.colour", value: bytes("green"), flags: .replace)
        try w.driver.setxattr(path, name: "user.empty", value: [], flags: [])
        #expect(try w.driver.getxattr(path, name: "user.colour") == bytes("green"))
        #expect(try w.driver.getxattr(path, name: "user.empty") == [])
        #expect(Set(try w.driver.listxattr(path)) == ["user.colour", "user.empty"])
        try w.driver.removexattr(path, name: "user.colour")
        #expect(failure { _ = try w.driver.getxattr(path, name: "user.colour") } == .noData)
        #expect(failure { try w.driver.removexattr(path, name: "user.colour") } == .noData)
        #expect(try w.driver.listxattr(path) == ["user.empty"])
    },
    BehaviourCase("xattrCallsFollowSymlinks") { w in
        try w.create("f")
        try w.driver.symlink("f", w.path("link"))
        try w.driver.setxattr(w.path("link"), name: "user.through", value: bytes("x"), flags: [])
        #expect(try w.driver.getxattr(w.path("f"), name: "user.through") == bytes("x"))
    },
]

let permissionCases: [BehaviourCase] = [
    BehaviourCase("aUserCannotReadARootOnlyFile") { w in
        try w.create("secret", bytes("s"), mode: 0o600)
        let alice = w.driver.asUser(user.uid, group: user.gid)
        #expect(failure { _ = try alice.open(w.path("secret"), [], mode: 0) } == .permissionDenied)
        #expect(failure { try alice.access(w.path("secret"), .read) } == .permissionDenied)
        try alice.access(w.path("secret"), [])
        try w.driver.access(w.path("secret"), [.read, .write])
    },
    BehaviourCase("aUserCannotCreateInARootDirectory") { w in
        let alice = w.driver.asUser(user.uid, group: user.gid)
        #expect(failure { _ = try alice.open(w.path("f"), [.create, .writeOnly], mode: 0o644) } == .permissionDenied)
        #expect(failure { try alice.mkdir(w.path("d"), mode: 0o755) } == .permissionDenied)
        #expect(failure { try alice.symlink("x", w.path("l")) } == .permissionDenied)
    },
    BehaviourCase("aUserOwnsWhatTheyCreateInAnOpenDirectory") { w in
        try w.driver.mkdir(w.path("open"), mode: 0o777)
        try w.driver.chmod(w.path("open"), mode: 0o777)
        let alice = w.driver.asUser(user.uid, group: user.gid)
        let fd = try alice.open(w.path("open/mine"), [.create, .writeOnly], mode: 0o640)
        #expect(try alice.write(fd, bytes("mine")) == 4)
        try alice.close(fd)
        let attributes = try w.driver.stat(w.path("open/mine"))
        #expect(attributes.uid == UserID(user.uid))
        #expect(attributes.gid == GroupID(user.gid))
        try alice.chmod(w.path("open/mine"), mode: 0o600)
        #expect(try w.driver.stat(w.path("open/mine")).mode.permissions == 0o600)
    },
    BehaviourCase("aUserCannotChmodOrChownAnotherUsersFile") { w in
        try w.create("f")
        try w.driver.chmod(w.path("f"), mode: 0o666)
        let alice = w.driver.asUser(user.uid, group: user.gid)
        #expect(failure { try alice.chmod(w.path("f"), mode: 0o777) } == .notPermitted)
        #expect(failure { try alice.chown(w.path("f"), uid: UserID(user.uid), gid: nil) } == .notPermitted)
        #expect(failure { try alice.utimens(w.path("f"), access: .time(.zero), modification: nil) } == .notPermitted)
        try alice.utimens(w.path("f"), access: .now, modification: .now)
    },
    // Found by scripts/fuzz_ops.py: chown(f, -1, -1) reaches the file system as a SETATTR with nothing in it.
    BehaviourCase("aChownNamingNeitherOwnerNorGroupClearsSetIDAndNeedsTheOwner") { w in
        try w.create("f")
        try w.driver.chmod(w.path("f"), mode: 0o4755)
        try w.driver.chown(w.path("f"), uid: nil, gid: nil)
        #expect(try w.driver.stat(w.path("f")).mode.permissions == 0o755)
        try w.driver.chmod(w.path("f"), mode: 0o4755)
        let alice = w.driver.asUser(user.uid, group: user.gid)
        #expect(failure { try alice.chown(w.path("f"), uid: nil, gid: nil) } == .notPermitted)
        #expect(try w.driver.stat(w.path("f")).mode.permissions == 0o4755)
        try w.driver.chmod(w.path("f"), mode: 0o755)
        try alice.chown(w.path("f"), uid: nil, gid: nil)  // nothing to clear: allowed to anyone
    },
    // The kernel sends an empty SETATTR before such a write too (file_remove_privs): it must clear, not refuse.
    BehaviourCase("aWriterWhoIsNotTheOwnerClearsSetIDBits") { w in
        try w.create("f", [1, 2, 3])
        try w.driver.chmod(w.path("f"), mode: 0o6777)
        let alice = w.driver.asUser(user.uid, group: user.gid)
        let descriptor = try alice.open(w.path("f"), [.writeOnly, .append], mode: 0)
        #expect(try alice.write(descriptor, [4]) == 1)
        try alice.close(descriptor)
        #expect(try w.driver.stat(w.path("f")).mode.permissions == 0o777)
        try w.driver.chmod(w.path("f"), mode: 0o6777)
        let second = try alice.open(w.path("f"), [.writeOnly], mode: 0)
        try alice.fallocate(second, mode: [], offset: 0, length: 8192)
        try alice.close(second)
        #expect(try w.driver.stat(w.path("f")).mode.permissions == 0o777)
    },
    BehaviourCase("aUserCannotGiveAwayTheirOwnFile") { w in
        try w.create("f")
        try w.driver.chown(w.path("f"), uid: UserID(user.uid), gid: GroupID(user.gid))
        let alice = w.driver.asUser(user.uid, group: user.gid)
        #expect(failure { try alice.chown(w.path("f"), uid: UserID(4321), gid: nil) } == .notPermitted)
        #expect(failure { try alice.chown(w.path("f"), uid: nil, gid: GroupID(4321)) } == .notPermitted)
    },
    BehaviourCase("aStickyDirectoryProtectsOtherUsersFiles") { w in
        try w.driver.mkdir(w.path("tmp"), mode: 0o777)
        try w.driver.chmod(w.path("tmp"), mode: 0o1777)
        try w.create("tmp/roots", mode: 0o666)
        let alice = w.driver.asUser(user.uid, group: user.gid)
        #expect(failure { try alice.unlink(w.path("tmp/roots")) } == .notPermitted)
        #expect(failure { try alice.rename(from: w.path("tmp/roots"), to: w.path("tmp/x"), flags: []) } == .notPermitted)
        try alice.close(try alice.open(w.path("tmp/alices"), [.create, .writeOnly], mode: 0o644))
        try alice.unlink(w.path("tmp/alices"))
    },
    BehaviourCase("searchingADirectoryNeedsExecutePermission") { w in
        try w.driver.mkdir(w.path("private"), mode: 0o700)
        try w.create("private/f", mode: 0o644)
        try w.driver.mkdir(w.path("listable"), mode: 0o744)
        try w.create("listable/g", mode: 0o644)
        let alice = w.driver.asUser(user.uid, group: user.gid)
        #expect(failure { _ = try alice.stat(w.path("private/f")) } == .permissionDenied)
        #expect(failure { _ = try alice.readdir(w.path("private")) } == .permissionDenied)
        #expect(failure { _ = try alice.stat(w.path("listable/g")) } == .permissionDenied)
    },
    // `trusted.*` (root only) is not here: it needs CAP_SYS_ADMIN, which the kernel driver's setfsuid keeps,
    // so only the in-process driver can show it (InProcessTests does).
    BehaviourCase("userXattrsFollowTheFilesReadAndWritePermissions") { w in
        try w.create("f")
        try w.driver.setxattr(w.path("f"), name: "user.x", value: bytes("1"), flags: [])
        let alice = w.driver.asUser(user.uid, group: user.gid)
        #expect(try alice.getxattr(w.path("f"), name: "user.x") == bytes("1"))
        #expect(failure { try alice.setxattr(w.path("f"), name: "user.x", value: bytes("2"), flags: []) } == .permissionDenied)
        #expect(failure { try alice.removexattr(w.path("f"), name: "user.x") } == .permissionDenied)
        try w.driver.chmod(w.path("f"), mode: 0o600)
        #expect(failure { _ = try alice.getxattr(w.path("f"), name: "user.x") } == .permissionDenied)
    },
]
