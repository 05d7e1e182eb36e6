/// One crash state that failed its checks (or a workload that could not run at all: no state).
public struct CrashFailure: Sendable {
    /// The crash state's number within its workload (what `--state` takes); nil when the workload itself failed.
    public var state: Int?
    /// The crash: when it happened and which writes landed.
    public var crash: RecordedCrash?
    /// What was wrong.
    public var problems: [Problem]
}

/// What checking one workload found.
public struct WorkloadResult: Sendable {
    /// The workload.
    public var workload: Workload
    /// The options it was checked with (crash-state numbers depend on them).
    public var options: ExplorerOptions
    /// Crash states checked.
    public var crashStates = 0
    /// Distinct disk images among them (each was mounted once).
    public var distinctStates = 0
    /// The failures, in crash-state order.
    public var failures: [CrashFailure] = []

    /// A minimal reproduction of the first failure: the workload, the crash state, expected and found, the
    /// command that replays it (`command` is how the run was invoked, e.g. `bento crashcheck --fs xv6fs`).
    public func reproduction(command: String) -> String {
        guard let failure = failures.first else { return "ok \(workload.spec)" }
        var lines = ["FAIL \(workload.spec)"]
        if !workload.setupDirectories.isEmpty || !workload.setupFiles.isEmpty {
            lines.append("  setup: mkdir \(workload.setupDirectories), create \(workload.setupFiles) (16 KiB, user.ace), sync")
        }
        if let state = failure.state, let crash = failure.crash {
            lines.append("  crash state \(state) of \(crashStates): \(crash.point); \(crash.state.landedWrites.count) of "
                         + "\(crash.inFlight) writes in flight landed \(crash.state.landedWrites)")
        }
        lines += failure.problems.map { "  problem: \($0)" }
        if failures.count > 1 { lines.append("  (\(failures.count - 1) more failing crash state(s) in this workload)") }
        lines.append("  replay: \(command) --replay '\(workload.spec)'" + (failure.state.map { " --state \($0)" } ?? "")
                     + " --states-per-point \(options.statesPerPoint) --seed \(options.seed)")
        return lines.joined(separator: "\n")
    }

    /// The failure as a ready-to-paste Swift test; `factory` is the Swift expression of the factory used.
    public func swiftTest(factory: String) -> String {
        let name = "crashRegression" + String(Explorer.hash(workload.spec) % 1_000_000)
        let state = failures.first?.state.map { ", state: \($0)" } ?? ""
        return """
            @Test func \(name)() throws {
                // \(failures.first?.problems.first.map { "\($0)" }.map { String($0.prefix(150)) } ?? "")
                let explorer = try Explorer(factory: \(factory),
                                            options: ExplorerOptions(statesPerPoint: \(options.statesPerPoint), seed: \(options.seed)))
                let result = explorer.check(try #require(Workload(spec: "\(workload.spec)"))\(state))
                #expect(result.failures.isEmpty, "\\(result.failures.flatMap(\\.problems))")
            }
            """
    }
}

/// Counts of a run, as progress and summary show them.
public struct RunCounts: Sendable {
    /// Workloads checked.
    public var workloads = 0
    /// Crash states checked.
    public var crashStates = 0
    /// Distinct images mounted.
    public var distinctStates = 0
    /// Failing crash states (and workloads that could not run).
    public var failures = 0
    /// Workloads with at least one failure.
    public var failedWorkloads = 0

    /// The summary's last line: `<w> workloads, <c> crash states, <f> failures`.
    public var line: String { "\(workloads) workloads, \(crashStates) crash states, \(failures) failures" }
}

/// The outcome of a run: the counts and every failing workload.
public struct RunSummary: Sendable {
    /// The counts.
    public var counts = RunCounts()
    /// The workloads that failed, in the order they finished.
    public var failed: [WorkloadResult] = []

    /// An empty summary.
    public init() {}

    /// Adds one workload's result.
    public mutating func add(_ result: WorkloadResult) {
        counts.workloads += 1
        counts.crashStates += result.crashStates
        counts.distinctStates += result.distinctStates
        counts.failures += result.failures.count
        if !result.failures.isEmpty {
            counts.failedWorkloads += 1
            failed.append(result)
        }
    }

    /// The failing workloads, shortest and simplest first (the most minimal reproductions lead).
    public var failedByMinimality: [WorkloadResult] {
        failed.sorted { ($0.workload.steps.count, $0.workload.spec.count, $0.workload.spec)
            < ($1.workload.steps.count, $1.workload.spec.count, $1.workload.spec) }
    }
}
