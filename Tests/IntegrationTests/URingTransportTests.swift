import Foundation
import Testing

/// `-o transport=uring`: memfs and xv6fs served through FUSE over io_uring run the suite's real programs with the
/// same results as tmpfs, end with status 0 at umount and upgrade live; an unknown transport is refused before
/// anything is mounted. The workloads are the suite's own tests, called with `TestEnvironment.transport` bound to
/// `uring` (their mounts then ask for it and check `bento status` shows it).
@Suite("FUSE over io_uring", .enabled(if: TestEnvironment.runsMountTests), .serialized)
struct URingTransportTests {
    /// The file systems the ring is tried with: one in memory, one on a device.
    static let kinds: [FileSystemKind] = [.memfs, .xv6fs]

    @Test(arguments: kinds)
    func realProgramsMatchTmpfsOverTheRing(_ kind: FileSystemKind) throws {
        try TestEnvironment.$transport.withValue("uring") {
            let workloads = TreeWorkloadTests()
            try workloads.copyArchiveReproducesTheSourceTree(kind)
            try workloads.tarExtractAndCreateRoundTrip(kind)
            try workloads.recursiveGrepFindsTheSameLines(kind)
            try workloads.gitRepositoryLifecycleAndLocalClone(kind)
        }
    }

    @Test(arguments: kinds)
    func umountEndsARingDaemonWithStatusZero(_ kind: FileSystemKind) throws {
        try TestEnvironment.$transport.withValue("uring") {
            try LifecycleTests().umountEndsAForegroundDaemonWithStatusZeroTwice(kind)
        }
    }

    @Test func memfsUpgradesLiveOverTheRing() throws {
        try TestEnvironment.$transport.withValue("uring") {
            try LiveUpgradeTests().memfsUpgradesBackAndForthUnderLoadLoseNothing()
        }
    }

    @Test func anUnknownTransportIsRefusedBeforeMounting() throws {
        let scratch = try ScratchDirectory("transport")
        let mountPoint = "\(scratch.path)/mnt"
        try Shell.check("mkdir -p \(Shell.quote(mountPoint))")
        let refused = try Shell.run("""
            \(Shell.quote(TestEnvironment.bentoBinary)) mount --fs memfs -o transport=carrier-pigeon word \
              \(Shell.quote(mountPoint))
            """, timeLimit: 30)
        #expect(refused.status != 0, "\(refused)")
        #expect(refused.stderr.contains("transport must be one of dev, uring, not 'carrier-pigeon'"), "\(refused)")
        #expect(MountTable.entry(at: mountPoint) == nil, "\(mountPoint) was mounted")
    }
}
