import BentoKit
import InProcess
@testable import MemFS
import Testing

/// A fresh MemFS behind the façade, with what the tests observe of MemFS's inside.
struct Mounted {
    let memfs = MemFS(options: .init(capacity: 1 << 30))
    let fs: InProcessFileSystem

    init(options: InProcessFileSystem.Options = .init()) throws {
        fs = try InProcessFileSystem(fileSystem: memfs, options: options)
    }

    /// Free inodes as MemFS reports them, asked directly (works after unmount too).
    var freeInodes: UInt64 { (try? memfs.statfs(.root, inode: .root).freeInodes) ?? 0 }

    /// Inodes MemFS still counts lookups for.
    var heldInodes: [Inode] { memfs.state.withLock { state in state.nodes.values.filter { $0.lookups > 0 }.map(\.inode) } }

    /// Makes file `path` holding `text`.
    func create(_ path: String, _ text: String = "") throws {
        let descriptor = try fs.open(path, [.writeOnly, .create, .truncate], mode: 0o644)
        try fs.write(descriptor, Array(text.utf8))
        try fs.close(descriptor)
    }
}

@Suite struct PathResolutionTests {
    @Test func emptyPathsAndOverlongPathsFail() throws {
        let m = try Mounted()
        #expect(throws: Errno.noSuchFileOrDirectory) { try m.fs.stat("") }
        #expect(throws: Errno.fileNameTooLong) { try m.fs.stat(String(repeating: "a/", count: 2048)) }
        #expect(throws: Errno.fileNameTooLong) { try m.fs.stat("/" + String(repeating: "x", count: 256)) }
    }

    @Test func dotDotNeverClimbsAboveTheRoot() throws {
        let m = try Mounted()
        try m.create("/f", "x")
        #expect(try m.fs.stat("/../../f").inode == m.fs.stat("/f").inode)
        #expect(try m.fs.stat("..").inode == .root)
        #expect(throws: Errno.noSuchFileOrDirectory) { try m.fs.stat("missing/..") }
    }

    @Test func relativePathsStartAtTheRoot() throws {
        let m = try Mounted()
        try m.fs.mkdir("/d")
        try m.create("d/f", "x")
        #expect(try m.fs.stat("d/f").size == 1)
    }

    @Test func fortyLinksAreFollowedAndTheFortyFirstIsELOOP() throws {
        let m = try Mounted()
        try m.create("/target", "end")
        try m.fs.symlink("target", "/link0")
        for index in 1...40 { try m.fs.symlink("link\(index - 1)", "/link\(index)") }
        #expect(try m.fs.stat("/link39").size == 3)
        #expect(throws: Errno.tooManySymbolicLinkLevels) { try m.fs.stat("/link40") }
    }

    @Test func aTrailingSlashFollowsAFinalSymlinkButNotForNameChanges() throws {
        let m = try Mounted()
        try m.fs.mkdir("/dir")
        try m.fs.symlink("dir", "/link")
        #expect(try m.fs.lstat("/link/").mode.isDirectory)
        #expect(throws: Errno.notDirectory) { try m.fs.rmdir("/link/") }
        #expect(throws: Errno.notDirectory) { try m.fs.unlink("/link/") }
        try m.fs.mkdir("/new/")
        #expect(throws: Errno.isDirectory) { try m.fs.open("/file/", [.create, .writeOnly], mode: 0o644) }
    }

    @Test func creatingThroughADanglingSymlinkCreatesItsTarget() throws {
        let m = try Mounted()
        try m.fs.symlink("/made", "/link")
        try m.fs.close(try m.fs.open("/link", [.create, .writeOnly], mode: 0o644))
        #expect(try m.fs.stat("/made").mode.isRegular)
        #expect(throws: Errno.fileExists) { try m.fs.open("/link", [.create, .exclusive, .writeOnly], mode: 0o644) }
    }

    @Test func renamingDotOrRootIsBusy() throws {
        let m = try Mounted()
        try m.fs.mkdir("/d")
        #expect(throws: Errno.resourceBusy) { try m.fs.rename(from: "/d/.", to: "/e") }
        #expect(throws: Errno.resourceBusy) { try m.fs.rename(from: "/", to: "/e") }
        #expect(throws: Errno.resourceBusy) { try m.fs.rmdir("/") }
        #expect(throws: Errno.invalidArgument) { try m.fs.rename(from: "/d", to: "/e", flags: [.exchange, .noReplace]) }
    }
}

@Suite struct DescriptorTableTests {
    @Test func descriptorsStartAtThreeAndReuseTheLowestFree() throws {
        let m = try Mounted()
        try m.create("/f")
        let first = try m.fs.open("/f", [], mode: 0)
        let second = try m.fs.open("/f", [], mode: 0)
        #expect((first, second) == (3, 4))
        try m.fs.close(first)
        #expect(try m.fs.open("/f", [], mode: 0) == 3)
        #expect(m.fs.openDescriptorCount == 2)
    }

    @Test func closedOrUnknownDescriptorsAreEBADF() throws {
        let m = try Mounted()
        try m.create("/f")
        let descriptor = try m.fs.open("/f", [], mode: 0)
        try m.fs.close(descriptor)
        #expect(throws: Errno.badFileDescriptor) { try m.fs.close(descriptor) }
        #expect(throws: Errno.badFileDescriptor) { try m.fs.read(99, count: 1) }
    }

    @Test func eachDescriptorHasItsOwnPosition() throws {
        let m = try Mounted()
        try m.create("/f", "abcdef")
        let a = try m.fs.open("/f", [], mode: 0), b = try m.fs.open("/f", [], mode: 0)
        #expect(try m.fs.read(a, count: 2) == Array("ab".utf8))
        #expect(try m.fs.read(b, count: 3) == Array("abc".utf8))
        #expect(try m.fs.read(a, count: 2) == Array("cd".utf8))
    }

    @Test func callsAfterUnmountFailWithENOTCONNAndOpenFilesAreReleased() throws {
        let m = try Mounted()
        try m.create("/f", "x")
        let descriptor = try m.fs.open("/f", [], mode: 0)
        try m.fs.unlink("/f")
        m.fs.unmount()
        #expect(m.fs.openDescriptorCount == 0)
        #expect(throws: Errno.socketNotConnected) { try m.fs.read(descriptor, count: 1) }
        #expect(m.memfs.state.withLock { $0.nodes.count } == 1)
    }
}

@Suite struct LookupAccountingTests {
    @Test func afterAWorkloadAndUnmountDeletedFilesAreFreedAndNoLookupIsHeld() throws {
        let m = try Mounted()
        let start = m.freeInodes
        try m.fs.mkdir("/d")
        for index in 0..<50 { try m.create("/d/f\(index)", "data \(index)") }
        try m.fs.symlink("d/f1", "/link")
        try m.fs.link("/d/f2", "/hard")
        _ = try m.fs.readdir("/d")
        let leftOpen = try m.fs.open("/link", [.readWrite], mode: 0)
        let other = try m.fs.open("/d/f3", [], mode: 0)
        try m.fs.rename(from: "/d/f4", to: "/d/f5")
        for index in 0..<50 where index != 4 { try m.fs.unlink("/d/f\(index)") }
        try m.fs.unlink("/hard")
        try m.fs.unlink("/link")
        try m.fs.rmdir("/d")
        try m.fs.close(other)
        #expect(m.freeInodes < start, "the file behind an open descriptor is still there")
        #expect(m.fs.openDescriptorCount == 1, "descriptor \(leftOpen) is left for unmount to release")
        m.fs.unmount()
        #expect(m.freeInodes == start)
        #expect(m.heldInodes == [])
    }

    @Test func anOpenDescriptorHoldsExactlyOneLookup() throws {
        let m = try Mounted()
        try m.create("/f")
        let descriptor = try m.fs.open("/f", [], mode: 0)
        #expect(m.heldInodes.count == 1)
        #expect(m.memfs.state.withLock { state in state.nodes.values.map(\.lookups).reduce(0, +) } == 1)
        try m.fs.close(descriptor)
        #expect(m.heldInodes == [])
    }

    @Test func readdirplusLookupsAreForgottenWhenTheListingEnds() throws {
        let m = try Mounted(options: .init(listingCapacity: 2))
        #expect(m.fs.enabledCapabilities.contains(.readdirPlus))
        for index in 0..<7 { try m.create("/f\(index)") }
        #expect(try m.fs.readdir("/").count == 9)
        #expect(m.heldInodes == [])
    }
}

@Suite struct KernelBehaviourTests {
    @Test func theFileSystemSeesOAppendWithoutTheWritebackCache() throws {
        let m = try Mounted()
        #expect(!m.fs.enabledCapabilities.contains(.writebackCache))
        try m.create("/f", "ab")
        let descriptor = try m.fs.open("/f", [.writeOnly, .append], mode: 0)
        try m.fs.pwrite(descriptor, Array("c".utf8), offset: 0)
        try m.fs.close(descriptor)
        #expect(try m.fs.stat("/f").size == 3)
    }

    @Test func defaultPermissionsAreCheckedByTheDriver() throws {
        let memfs = MemFS(options: .init(capacity: 1 << 20, checksPermissions: false))
        let fs = try InProcessFileSystem(fileSystem: memfs, options: .init(defaultPermissions: true))
        let alice = fs.as(user: UserID(1000), group: GroupID(1000))
        #expect(throws: Errno.permissionDenied) { try alice.mkdir("/nope") }
        #expect(throws: Errno.notPermitted) { try alice.setxattr("/", name: "trusted.x", value: []) }
        #expect(throws: Errno.noData) { try alice.getxattr("/", name: "trusted.x") }
        try fs.mkdir("/shared", mode: 0o777)
        try fs.chmod("/shared", mode: 0o777)
        try alice.mkdir("/shared/mine")
        #expect(try fs.stat("/shared/mine").uid == UserID(1000))
    }

    @Test func onlyRootMayLeaveAWhiteoutAsOnlyCAPMKNODMay() throws {
        let m = try Mounted()
        try m.fs.mkdir("/shared", mode: 0o777)
        try m.fs.chmod("/shared", mode: 0o777)
        try m.create("/shared/f", "x")
        let alice = m.fs.as(user: UserID(1000), group: GroupID(1000))
        #expect(throws: Errno.notPermitted) { try alice.rename(from: "/shared/f", to: "/shared/g", flags: .whiteout) }
        try alice.rename(from: "/shared/f", to: "/shared/g")
        try m.fs.rename(from: "/shared/g", to: "/shared/h", flags: .whiteout)
        #expect(try m.fs.lstat("/shared/g").mode == FileMode(type: .characterDevice, permissions: 0))
    }

    @Test func inodeFlagsAreTheOwnersAndImmutableAndAppendOnlyRootsAlone() throws {
        let m = try Mounted()
        try m.fs.mkdir("/shared", mode: 0o777)
        try m.fs.chmod("/shared", mode: 0o777)
        let alice = m.fs.as(user: UserID(1000), group: GroupID(1000))
        let descriptor = try alice.open("/shared/mine", [.writeOnly, .create], mode: 0o644)
        try alice.close(descriptor)
        try m.create("/shared/roots")
        try alice.setInodeFlags("/shared/mine", .noDump)
        #expect(try alice.inodeFlags("/shared/mine") == .noDump)
        #expect(throws: Errno.notPermitted) { try alice.setInodeFlags("/shared/mine", [.noDump, .immutable]) }
        #expect(throws: Errno.notPermitted) { try alice.setInodeFlags("/shared/roots", .noDump) }
        try m.fs.setInodeFlags("/shared/mine", .appendOnly)
        #expect(throws: Errno.notPermitted) { try alice.setInodeFlags("/shared/mine", []) }
        try m.fs.symlink("mine", "/shared/link")
        #expect(try m.fs.inodeFlags("/shared/link") == .appendOnly, "a final symlink is followed")
    }

    @Test func aReadOnlyMountRefusesChangesWithEROFS() throws {
        let memfs = MemFS(options: .init(capacity: 1 << 20))
        let fs = try InProcessFileSystem(fileSystem: memfs, options: .init(readOnly: true))
        #expect(throws: Errno.readOnlyFileSystem) { try fs.mkdir("/d") }
        #expect(throws: Errno.readOnlyFileSystem) { try fs.open("/f", [.create, .writeOnly], mode: 0o644) }
        #expect(throws: Errno.readOnlyFileSystem) { try fs.access("/", .write) }
        #expect(throws: Errno.fileExists) { try fs.mkdir("/") }
    }

    @Test func syncAsksForDurabilityOfOpenFilesAndTheRoot() throws {
        let m = try Mounted()
        try m.create("/f", "x")
        let descriptor = try m.fs.open("/f", [.writeOnly], mode: 0)
        try m.fs.sync()
        try m.fs.close(descriptor)
    }
}
