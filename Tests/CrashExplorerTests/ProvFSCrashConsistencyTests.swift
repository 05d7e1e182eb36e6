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

    @Test(arguments: DataMode.allCases)
    func seq1LeavesLogAndTreeInAgreement(mode: DataMode) throws {
        try XV6FSCrashConsistencyTests.expectNoFailures(WorkloadGenerator.workloads(length: 1), mode: mode, fs: "provfs")
    }

    @Test(arguments: DataMode.allCases)
    func aSeq2SampleLeavesLogAndTreeInAgreement(mode: DataMode) throws {
        let sample = WorkloadGenerator.sample(XV6FSCrashConsistencyTests.seq2, count: Self.seq2Sample, seed: 12)
        try XV6FSCrashConsistencyTests.expectNoFailures(sample, mode: mode, fs: "provfs")
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
