import BentoServices
import CrashExplorer
import Testing
import XV6FS

/// The explorer must report broken variants of xv6fs: each test would pass only if the checker saw the break.
@Suite struct BrokenVariantTests {
    static let workloads = ["write foo append; fsync foo", "creat A/foo; fsync A", "rename foo bar; sync",
                            "link foo bar; fsync foo", "mkdir A; fsync /"]

    /// The failures the explorer reports for `workloads` on `factory`.
    static func failures(_ factory: FileSystemFactory) throws -> [CrashFailure] {
        let explorer = try Explorer(factory: factory)
        return try workloads.flatMap { spec in explorer.check(try #require(Workload(spec: spec))).failures }
    }

    @Test(arguments: DataMode.allCases)
    func soundXV6FSPassesTheSameWorkloads(mode: DataMode) throws {
        #expect(try Self.failures(.xv6fs(mode)).isEmpty)
    }

    @Test(arguments: DataMode.allCases)
    func droppedFlushesLoseFsyncedData(mode: DataMode) throws {
        let failures = try Self.failures(.xv6fs(mode, name: "xv6fs without flushes") { FlushDroppingDevice($0) })
        #expect(failures.contains { $0.problems.contains { if case .wrongView = $0 { true } else { false } } })
    }

    @Test(arguments: DataMode.allCases)
    func writesReorderedPastTheFlushAreCaught(mode: DataMode) throws {
        let failures = try Self.failures(.xv6fs(mode, name: "xv6fs with late writes") { LateWriteDevice($0) })
        #expect(!failures.isEmpty)
    }

    /// Workloads where a file changes without being persisted while another object's persistence commits the
    /// running transaction (and with it the file's new size and block pointers).
    static let unpersistedChanges = ["write foo append; none; creat bar; fsync bar", "write foo extend; none; mkdir A; fsync /",
                                     "dwrite foo append; none; creat bar; fsync bar"]

    @Test(arguments: DataMode.allCases)
    func soundXV6FSShowsSomeVersionOfFilesNobodyPersisted(mode: DataMode) throws {
        let explorer = try Explorer(factory: .xv6fs(mode))
        for spec in Self.unpersistedChanges {
            let result = explorer.check(try #require(Workload(spec: spec)))
            #expect(result.failures.isEmpty, "\(spec): \(result.failures.flatMap(\.problems))")
        }
    }

    /// Data written after the commit that points to it: only the new check sees it, since nothing promised the
    /// file. The test asks for a crash state whose sole problem is a file that is no version of itself.
    @Test func dataWrittenAfterItsCommitShowsStaleBlocks() throws {
        let explorer = try Explorer(factory: .xv6fs(.ordered, name: "xv6fs with data after commit") { DataAfterCommitDevice($0) })
        let failures = try Self.unpersistedChanges.flatMap { spec in explorer.check(try #require(Workload(spec: spec))).failures }
        #expect(failures.contains { failure in
            !failure.problems.isEmpty && failure.problems.allSatisfy { if case .noVersion = $0 { true } else { false } }
        }, "\(failures.flatMap(\.problems))")
    }
}
