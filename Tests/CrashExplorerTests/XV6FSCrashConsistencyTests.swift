import CrashExplorer
import Testing
import XV6FS

/// CI's crash-consistency run of xv6fs (docs/CRASH-CONSISTENCY.md): seq-1 in full and a fixed, seeded sample of
/// seq-2, in both data modes, with the default cap. The full seq-2 set is `bento crashcheck --workloads seq2`.
@Suite struct XV6FSCrashConsistencyTests {
    /// Workloads of seq-2 checked in CI per data mode.
    static let seq2Sample = 120
    /// The sample's seed (fixed: CI checks the same workloads every time).
    static let seq2Seed: UInt64 = 2024
    /// The whole seq-2 set, generated once for every test that needs it.
    static let seq2 = WorkloadGenerator.workloads(length: 2)
    /// The sample CI checks.
    static let sample = WorkloadGenerator.sample(seq2, count: seq2Sample, seed: seq2Seed)

    /// Runs `workloads` on `fs` (`xv6fs` or `provfs`) in `mode` and expects every crash state to pass, printing
    /// reproductions if not.
    static func expectNoFailures(_ workloads: [Workload], mode: DataMode, fs: String = "xv6fs") throws {
        let factory: FileSystemFactory = fs == "provfs" ? .provfs(mode) : .xv6fs(mode)
        let summary = try Explorer(factory: factory).run(workloads, jobs: 2)
        let failed = summary.failedByMinimality
        let reports = failed.prefix(5).map {
            $0.reproduction(command: "bento crashcheck --fs \(fs) --data \(mode)") + "\n" + $0.swiftTest(factory: ".\(fs)(.\(mode))")
        }
        #expect(failed.isEmpty, "\(summary.counts.line)\n\(reports.joined(separator: "\n\n"))")
        #expect(summary.counts.workloads == workloads.count)
        #expect(summary.counts.crashStates > workloads.count * 5)
    }

    @Test(arguments: DataMode.allCases)
    func seq1HasNoFailures(mode: DataMode) throws {
        try Self.expectNoFailures(WorkloadGenerator.workloads(length: 1), mode: mode)
    }

    @Test(arguments: DataMode.allCases)
    func seededSeq2SampleHasNoFailures(mode: DataMode) throws {
        try Self.expectNoFailures(Self.sample, mode: mode)
    }
}
