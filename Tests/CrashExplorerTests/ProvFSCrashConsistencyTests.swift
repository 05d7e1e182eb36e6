import BentoKit
import BentoServices
import CrashExplorer
import ProvFS
import Testing
import XV6FS

/// provfs under the crash explorer: every crash state of seq-1 (and a seeded sample of seq-2) recovers with a
/// provenance log that agrees with the tree (`ProvenanceAudit`), in both data modes; and a log that misses
/// records is caught.
@Suite struct ProvFSCrashConsistencyTests {
    /// Workloads of seq-2 checked per data mode.
    static let seq2Sample = 40

    static func expectNoFailures(_ workloads: [Workload], mode: DataMode) throws {
        let summary = try Explorer(factory: .provfs(mode)).run(workloads, jobs: 2)
        let reports = summary.failedByMinimality.prefix(3).map { $0.reproduction(command: "bento crashcheck --fs provfs --data \(mode)") }
        #expect(summary.counts.failures == 0, "\(summary.counts.line)\n\(reports.joined(separator: "\n\n"))")
        #expect(summary.counts.crashStates > workloads.count * 5)
    }

    @Test(arguments: DataMode.allCases)
    func seq1LeavesLogAndTreeInAgreement(mode: DataMode) throws {
        try Self.expectNoFailures(WorkloadGenerator.workloads(length: 1), mode: mode)
    }

    @Test(arguments: DataMode.allCases)
    func aSeq2SampleLeavesLogAndTreeInAgreement(mode: DataMode) throws {
        let sample = WorkloadGenerator.sample(WorkloadGenerator.workloads(length: 2), count: Self.seq2Sample, seed: 12)
        try Self.expectNoFailures(sample, mode: mode)
    }

    /// A recorder that keeps no record of removed names.
    struct ForgetfulLog: OperationLog {
        let recorder = ProvenanceRecorder(processes: SimulatedProcessDirectory())
        func records(_ operation: Operation, by request: Request) -> [[UInt8]] {
            if case .removed = operation { return [] }
            return recorder.records(operation, by: request)
        }
        func prepare(for request: Request) { recorder.prepare(for: request) }
        func report(_ topic: String, records: [[UInt8]], damage: String?) throws(Errno) -> String {
            try recorder.report(topic, records: records, damage: damage)
        }
    }

    @Test func aLogMissingRecordsFailsTheAudit() throws {
        let explorer = try Explorer(factory: .provfs(.ordered, name: "provfs forgetting unlinks") { ForgetfulLog() })
        let result = explorer.check(try #require(Workload(spec: "unlink foo; sync")))
        #expect(result.failures.contains { failure in
            failure.problems.contains { if case .auditFailed(let problems) = $0 { problems.contains { $0.contains("/foo") } } else { false } }
        }, "\(result.failures.flatMap(\.problems))")
    }
}
