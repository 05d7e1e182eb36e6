import Foundation
import Testing

/// Two work directories side by side, one on the file system under test and one on a kernel file system (the
/// baseline), in which the same programs run and must do the same: exit 0 with the same output, and leave the same
/// tree (`TreeManifest`). What Bento's real-program tests compare, and what a file system's own tests can.
///
/// Scripts run under `Shell` (bash, `set -euo pipefail`, a time limit) with the work directory as their current
/// directory and `$WORK` naming it; outputs are compared with each side's work path replaced by `$WORK`.
public struct ProgramComparison: Sendable {
    /// The work directory on the file system under test.
    public let work: String
    /// The work directory on the baseline.
    public let baselineWork: String
    /// The environment scripts run with (besides `Shell.baseEnvironment` and `$WORK`).
    public let environment: [String: String]

    /// A comparison between `work` and `baselineWork`, both existing directories.
    public init(work: String, baselineWork: String, environment: [String: String] = [:]) {
        self.work = work
        self.baselineWork = baselineWork
        self.environment = environment
    }

    /// Runs `script` on the file system under test only.
    @discardableResult
    public func runHere(_ script: String, timeLimit: Int = Shell.timeLimit) throws -> CommandResult {
        try Shell.run(script, in: work, environment: environment(for: work), timeLimit: timeLimit)
    }

    /// Runs `script` on both sides; expects both to exit 0 with the same standard output. Returns ours.
    @discardableResult
    public func expectSameOutput(
        _ script: String, timeLimit: Int = Shell.timeLimit, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        let theirs = try Shell.run(script, in: baselineWork, environment: environment(for: baselineWork), timeLimit: timeLimit)
        try #require(theirs.status == 0, "the baseline itself failed: \(theirs)", sourceLocation: sourceLocation)
        let ours = try runHere(script, timeLimit: timeLimit)
        try #require(ours.status == 0, "\(ours)", sourceLocation: sourceLocation)
        let (a, b) = (normalized(ours.stdout, work), normalized(theirs.stdout, baselineWork))
        #expect(a == b, "outputs differ:\n\(Self.firstDifferentLines(a, b))", sourceLocation: sourceLocation)
        return a
    }

    /// Expects the trees at `path` (relative to each work directory) to have equal manifests.
    public func expectSameTree(
        _ path: String = ".", options: TreeManifest.Options = .init(), sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let ours = try TreeManifest(of: "\(work)/\(path)", options: options)
        let theirs = try TreeManifest(of: "\(baselineWork)/\(path)", options: options)
        #expect(ours.lines.count > 0, sourceLocation: sourceLocation)
        if let differences = ours.differences(from: theirs) {
            Issue.record("\(differences)", sourceLocation: sourceLocation)
        }
    }

    private func environment(for directory: String) -> [String: String] {
        environment.merging(["WORK": directory]) { $1 }
    }

    private func normalized(_ text: String, _ directory: String) -> String {
        text.replacingOccurrences(of: directory, with: "$WORK")
    }

    /// The first lines where two outputs differ, for a readable failure.
    public static func firstDifferentLines(_ ours: String, _ theirs: String, limit: Int = 8) -> String {
        let a = ours.split(separator: "\n", omittingEmptySubsequences: false)
        let b = theirs.split(separator: "\n", omittingEmptySubsequences: false)
        let different = (0..<max(a.count, b.count)).filter { i in
            (i < a.count ? a[i] : nil) != (i < b.count ? b[i] : nil)
        }
        return different.prefix(limit).map { i in
            "line \(i + 1):\n- \(i < b.count ? String(b[i]) : "<none>")\n+ \(i < a.count ? String(a[i]) : "<none>")"
        }.joined(separator: "\n")
    }
}
