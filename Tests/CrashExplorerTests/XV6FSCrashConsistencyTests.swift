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

    /// The known finding (docs/CRASH-CONSISTENCY.md, §3): in data=ordered, truncating to an unaligned size
    /// zeroes the tail of the last block in place before the transaction shrinking the file commits, so a crash
    /// between them shows the old size with zeros at 9000..<12288 — no version of the file. Such a result is a
    /// known issue (still reported by `bento crashcheck`), not a pass.
    static func isKnownFinding(_ result: WorkloadResult, mode: DataMode) -> Bool {
        mode == .ordered
            && result.workload.steps.contains { if case .truncate(_, .unaligned) = $0 { true } else { false } }
            && result.failures.allSatisfy { $0.problems.allSatisfy { if case .noVersion = $0 { true } else { false } } }
    }

    static func expectNoFailures(_ workloads: [Workload], mode: DataMode) throws {
        let summary = try Explorer(factory: .xv6fs(mode)).run(workloads, jobs: 2)
        let failed = summary.failedByMinimality
        let unknown = failed.filter { !isKnownFinding($0, mode: mode) }
        let reports = unknown.prefix(5).map {
            $0.reproduction(command: "bento crashcheck --fs xv6fs --data \(mode)") + "\n" + $0.swiftTest(factory: ".xv6fs(.\(mode))")
        }
        #expect(unknown.isEmpty, "\(summary.counts.line)\n\(reports.joined(separator: "\n\n"))")
        withKnownIssue("data=ordered truncate to an unaligned size exposes a zeroed tail", isIntermittent: true) {
            let known = failed.filter { isKnownFinding($0, mode: mode) }.map(\.workload.spec)
            #expect(known.count == 0, "\(known.prefix(3))")
        }
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
