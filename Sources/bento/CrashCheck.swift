import ArgumentParser
import CrashExplorer
import Foundation
import XV6FS

/// `bento crashcheck`: the crash-consistency explorer (docs/CRASH-CONSISTENCY.md) — ACE's seq-1 or seq-2
/// workloads on a file system over a simulated disk, every crash state recovered and checked.
struct CrashCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crashcheck",
        abstract: "Crash-test a file system with ACE's seq-1/seq-2 workloads on a simulated disk.",
        discussion: "The last line reads '<w> workloads, <c> crash states, <f> failures'; exit 1 when there are failures.")

    @Option(help: "The file system: xv6fs, or provfs (xv6fs whose provenance log is also audited in every crash state).")
    var fs: String = "xv6fs"

    @Option(help: "The workload set: seq1 or seq2.")
    var workloads: String = "seq1"

    @Option(help: "The data mode: journal or ordered.")
    var data: String = "ordered"

    @Option(help: "Worker threads (at most one per core is useful).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Seeds the sample of workloads and of crash states.")
    var seed: UInt64 = 0

    @Option(help: "Check only this many workloads, picked from the set by the seed.")
    var sample: Int?

    @Option(help: "The cap: crash states kept per crash moment (a seeded sample beyond it).")
    var statesPerPoint: Int = 16

    @Option(help: "Check one workload, given as its spec (as failures print it).")
    var replay: String?

    @Option(help: "With --replay: check only this crash state.")
    var state: Int?

    @Option(help: "Print at most this many reproductions (and Swift tests for the first three).")
    var maximumReports: Int = 20

    @Flag(help: "Show no progress (it shows only on a terminal anyway).")
    var quiet = false

    func validate() throws {
        guard ["xv6fs", "provfs"].contains(fs) else {
            throw ValidationError("--fs must be xv6fs or provfs (the file systems on a block device)")
        }
        guard ["seq1", "seq2"].contains(workloads) else { throw ValidationError("--workloads must be seq1 or seq2") }
        guard ["ordered", "journal"].contains(data) else { throw ValidationError("--data must be ordered or journal") }
        guard jobs > 0, statesPerPoint >= 2, (sample ?? 1) > 0, maximumReports >= 0 else {
            throw ValidationError("--jobs and --sample must be positive, --states-per-point at least 2, --maximum-reports not negative")
        }
        if let replay, Workload(spec: replay) == nil { throw ValidationError("--replay: '\(replay)' is not a workload that can run") }
        if state != nil, replay == nil { throw ValidationError("--state needs --replay") }
    }

    func run() throws {
        let mode: DataMode = data == "journal" ? .journal : .ordered
        let explorer = try Explorer(factory: fs == "provfs" ? .provfs(mode) : .xv6fs(mode), options: ExplorerOptions(statesPerPoint: statesPerPoint, seed: seed))
        let command = "bento crashcheck --fs \(fs) --data \(data)"
        if let replay, let workload = Workload(spec: replay) {
            let result = explorer.check(workload, state: state)
            print(result.failures.isEmpty ? "ok \(workload.spec)" : result.reproduction(command: command))
            print("1 workloads, \(result.crashStates) crash states, \(result.failures.count) failures")
            if !result.failures.isEmpty { throw ExitCode(1) }
            return
        }
        let all = WorkloadGenerator.workloads(length: workloads == "seq1" ? 1 : 2)
        let chosen = sample.map { WorkloadGenerator.sample(all, count: $0, seed: seed) } ?? all
        print("\(workloads): \(all.count) workloads; checking \(chosen.count) on \(fs) data=\(data), \(jobs) job(s), "
              + "at most \(statesPerPoint) crash states per moment, seed \(seed)")
        let progress = ProgressLine(label: "\(workloads) \(data)", quiet: quiet)
        let total = chosen.count
        let summary = explorer.run(chosen, jobs: jobs) { counts in
            progress.update(Double(counts.workloads) / Double(max(total, 1)),
                            detail: "\(counts.workloads)/\(total) workloads, \(counts.crashStates) crash states, \(counts.failures) failures")
        }
        progress.finish()
        let failed = summary.failedByMinimality
        for result in failed.prefix(maximumReports) { print(result.reproduction(command: command) + "\n") }
        if failed.count > maximumReports { print("... and \(failed.count - maximumReports) more failing workloads\n") }
        for result in failed.prefix(3) { print(result.swiftTest(factory: ".\(fs)(.\(mode))") + "\n") }
        print("\(summary.counts.distinctStates) distinct images mounted; \(summary.counts.failedWorkloads) failing workloads")
        print(summary.counts.line)
        if summary.counts.failures > 0 { throw ExitCode(1) }
    }
}
