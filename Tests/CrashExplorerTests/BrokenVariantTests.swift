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
}
