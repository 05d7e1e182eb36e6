import BentoTesting
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

    /// The comparison of the two work directories (`ProgramComparison`, BentoTesting), with `$SRC` naming the
    /// shared source tree.
    var comparison: ProgramComparison {
        ProgramComparison(work: work, baselineWork: baselineWork,
                          environment: environment.merging(["SRC": Workloads.sourceTreePath]) { $1 })
    }

    /// Runs `script` on the file system under test only (cwd: the work directory, `$WORK` names it).
    @discardableResult
    func runHere(_ script: String, timeLimit: Int = Shell.timeLimit) throws -> CommandResult {
        try comparison.runHere(script, timeLimit: timeLimit)
    }

    /// Runs `script` on both sides; expects both to exit 0 with the same standard output (paths of the work
    /// directories replaced by `$WORK`). Returns our side's output.
    @discardableResult
    func expectSameOutput(
        _ script: String, timeLimit: Int = Shell.timeLimit, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        try comparison.expectSameOutput(script, timeLimit: timeLimit, sourceLocation: sourceLocation)
    }

    /// Expects the trees at `path` (relative to each work directory) to have equal manifests.
    func expectSameTree(
        _ path: String = ".", options: TreeManifest.Options = .init(), sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        try comparison.expectSameTree(path, options: options, sourceLocation: sourceLocation)
    }
}
