import Foundation
import Testing

/// A directory on the file system under test and one on the baseline, side by side: the suite runs the same
/// commands in both and expects the same outcome, byte for byte.
///
/// Each side's work directory is `<root>/work`, made by `mkdir` on that file system, so the root directory of
/// the mount itself never enters a comparison. Scripts run with the work directory as their current directory
/// and with `$SRC` naming the shared source tree (see `Workloads`).
final class SideBySide {
    /// What is under test: a live mount, or (for the harness's own tests) a plain directory on /tmp.
    enum Subject { case mount(FileSystemKind, options: [String]), plainDirectory }

    private let scratch: ScratchDirectory
    /// The mount under test (nil for a plain directory).
    private(set) var mount: BentoMount?
    private var baseline: BaselineDirectory?
    /// The work directory on the file system under test.
    let work: String
    /// The work directory on the baseline.
    let baselineWork: String
    /// The environment scripts run with (besides `Shell.baseEnvironment`).
    let environment: [String: String]

    /// Sets up both sides; `label` names the scratch directory.
    init(_ subject: Subject, label: String, environment: [String: String] = [:]) throws {
        scratch = try ScratchDirectory(label)
        baseline = try BaselineDirectory(in: scratch)
        switch subject {
        case .mount(let kind, let options):
            let mount = try BentoMount(kind, in: scratch, options: options)
            self.mount = mount
            work = "\(mount.mountPoint)/work"
        case .plainDirectory:
            mount = nil
            work = "\(scratch.path)/plain/work"
        }
        baselineWork = "\(baseline!.path)/work"
        self.environment = environment
        try Shell.check("mkdir -p \(Shell.quote(work)) \(Shell.quote(baselineWork))")
    }

    /// Convenience: both sides for a mounted `kind`.
    convenience init(_ kind: FileSystemKind, label: String, options: [String] = [], environment: [String: String] = [:]) throws {
        try self.init(.mount(kind, options: options), label: "\(label)-\(kind.rawValue)", environment: environment)
    }

    deinit {
        // Unmount both before the scratch directory goes, whatever order Swift releases properties in.
        mount = nil
        baseline = nil
    }

    /// Runs `script` on the file system under test only (cwd: the work directory, `$WORK` names it).
    @discardableResult
    func runHere(_ script: String, timeLimit: Int = Shell.timeLimit) throws -> CommandResult {
        try Shell.run(script, in: work, environment: environment(for: work), timeLimit: timeLimit)
    }

    /// Runs `script` on both sides; expects both to exit 0 with the same standard output (paths of the work
    /// directories replaced by `$WORK`). Returns our side's output.
    @discardableResult
    func expectSameOutput(
        _ script: String, timeLimit: Int = Shell.timeLimit, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        let theirs = try Shell.run(script, in: baselineWork, environment: environment(for: baselineWork), timeLimit: timeLimit)
        try #require(theirs.status == 0, "the baseline (tmpfs) itself failed: \(theirs)", sourceLocation: sourceLocation)
        let ours = try runHere(script, timeLimit: timeLimit)
        try #require(ours.status == 0, "\(ours)", sourceLocation: sourceLocation)
        let (a, b) = (normalized(ours.stdout, work), normalized(theirs.stdout, baselineWork))
        #expect(a == b, "outputs differ:\n\(Self.firstDifferentLines(a, b))", sourceLocation: sourceLocation)
        return a
    }

    /// Expects the trees at `path` (relative to each work directory) to have equal manifests.
    func expectSameTree(
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
        environment.merging(["WORK": directory, "SRC": Workloads.sourceTreePath]) { $1 }
    }

    private func normalized(_ text: String, _ directory: String) -> String {
        text.replacingOccurrences(of: directory, with: "$WORK")
    }

    /// The first lines where two outputs differ, for a readable failure.
    static func firstDifferentLines(_ ours: String, _ theirs: String, limit: Int = 8) -> String {
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
