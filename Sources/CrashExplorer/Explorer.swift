import BentoKit
import BentoServices
import Dispatch
import MemFS
import Synchronization

/// How thoroughly the explorer looks.
public struct ExplorerOptions: Sendable, Hashable {
    /// The cap: crash states kept per crash moment (all of them up to it, a seeded sample beyond).
    public var statesPerPoint: Int
    /// Seeds the sampling of crash states (mixed with each workload's spec, so a workload samples the same
    /// states whatever else runs).
    public var seed: UInt64

    /// Options; the defaults are the documented ones (docs/CRASH-CONSISTENCY.md).
    public init(statesPerPoint: Int = 16, seed: UInt64 = 0) {
        self.statesPerPoint = max(statesPerPoint, 2)
        self.seed = seed
    }
}

/// The crash-consistency explorer: runs workloads on a file system over a recording `SimulatedDisk` and on the
/// model (MemFS), then recovers every recorded crash state and checks it (`Checker`).
public struct Explorer: Sendable {
    /// The file system under test.
    public let factory: FileSystemFactory
    /// How thoroughly to look.
    public let options: ExplorerOptions
    /// A freshly formatted disk, copied for every workload.
    private let formatted: DiskImage

    /// An explorer for `factory`; formats one image to start every workload from.
    public init(factory: FileSystemFactory, options: ExplorerOptions = ExplorerOptions()) throws {
        self.factory = factory
        self.options = options
        let disk = SimulatedDisk(blockCount: factory.blocks)
        try factory.format(disk)
        formatted = disk.currentImage
    }

    /// Runs `workload` and checks its crash states (only the one numbered `state`, when given).
    public func check(_ workload: Workload, state only: Int? = nil) -> WorkloadResult {
        var result = WorkloadResult(workload: workload, options: options)
        let disk = SimulatedDisk(image: formatted)
        let recorder = RecordingDevice(disk: disk, limit: options.statesPerPoint, seed: options.seed ^ Self.hash(workload.spec))
        var expected = ExpectedState()
        do {
            let target = try Runner(try factory.mount(recorder), sync: factory.sync)
            let model = try Runner(MemFS(), sync: nil)
            try model.setUp(workload)
            try target.setUp(workload)
            try disk.flush()
            expected.record(model.fs)
            for (index, (step, persistence)) in zip(workload.steps, workload.persistence).enumerated() {
                let number = index + 1
                try model.run(step, number: number)
                try model.run(persistence)
                recorder.enter(step: number, phase: .operation)
                try Self.attempt("step \(number) (\(step.words.joined(separator: " ")))") { try target.run(step, number: number) }
                recorder.enter(step: number, phase: .persistence)
                try Self.attempt("persistence \(number) (\(persistence.words.joined(separator: " ")))") { try target.run(persistence) }
                recorder.persisted(step: number)
                expected.record(model.fs)
                expected.promises.append(Promise.made(by: persistence, after: step))
            }
        } catch {
            result.failures.append(CrashFailure(state: nil, crash: nil, problems: [.operationFailed("\(error)")]))
            return result
        }
        let checker = Checker(factory: factory)
        var observations: [DiskImage: Observation] = [:]
        var candidates: [Int: [String: [[UInt8]]]] = [:]
        for (number, crash) in recorder.crashes.enumerated() where only == nil || only == number {
            result.crashStates += 1
            let observation = observations[crash.state.image] ?? checker.observe(crash.state.image)
            observations[crash.state.image] = observation
            let expectations = expected.expectations(duringStep: crash.point.step, persisted: crash.point.phase == .persisted)
            let versions = candidates[crash.point.step] ?? expected.candidates(duringStep: crash.point.step)
            candidates[crash.point.step] = versions
            let problems = Checker.problems(observation, expectations, versions: versions)
            if !problems.isEmpty { result.failures.append(CrashFailure(state: number, crash: crash, problems: problems)) }
        }
        result.distinctStates = observations.count
        return result
    }

    /// Checks every workload on `jobs` threads (at most one per core), calling `progress` after each.
    public func run(_ workloads: [Workload], jobs: Int, progress: @escaping @Sendable (RunCounts) -> Void = { _ in }) -> RunSummary {
        let next = Atomic<Int>(0)
        let summary = Mutex(RunSummary())
        DispatchQueue.concurrentPerform(iterations: max(jobs, 1)) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < workloads.count else { return }
                let result = check(workloads[index])
                progress(summary.withLock { summary in
                    summary.add(result)
                    return summary.counts
                })
            }
        }
        return summary.withLock { $0 }
    }

    /// Runs `body`, describing its error as the failure of `what`.
    private static func attempt(_ what: String, _ body: () throws -> Void) throws {
        do { try body() } catch { throw ExplorerError("\(what) failed on the file system under test: \(error)") }
    }

    /// FNV-1a of a spec: a workload's own seed.
    static func hash(_ text: String) -> UInt64 {
        text.utf8.reduce(0xCBF2_9CE4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }
}

/// An error the explorer reports in words.
struct ExplorerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
