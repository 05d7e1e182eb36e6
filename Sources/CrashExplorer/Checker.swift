import BentoKit
import BentoServices
import InProcess

/// What a crash state showed once recovered.
struct Observation: Sendable {
    /// Why the mount failed; nil when it succeeded.
    var mountError: String?
    /// What fsck found on the crash state before the mount (it sees the journal replayed).
    var fsckProblems: [String]
    /// Every path of the file set after the mount (empty when it failed).
    var snapshot: Snapshot
    /// Why creating or deleting a file or directory failed afterwards; nil when both worked.
    var probeError: String?
    /// What the file system's own audit found wrong (`FileSystemFactory.audit`), before the probe.
    var auditProblems: [String] = []
}

/// One way a crash state is wrong.
public enum Problem: Sendable, Hashable, CustomStringConvertible {
    /// The recovered image does not mount.
    case mountFailed(String)
    /// fsck finds the image inconsistent.
    case inconsistent([String])
    /// A promised path shows something else.
    case wrongView(Expectation, found: PathView)
    /// A regular file shows contents that are no version the model's file held there, nor a block-wise mix of
    /// them (stale or foreign blocks: `FileVersions`).
    case noVersion(path: String, found: PathView, why: String)
    /// Files or directories cannot be created or deleted after recovery.
    case notUsable(String)
    /// The file system's own audit of the recovered state failed (provfs: its log disagrees with the tree).
    case auditFailed([String])
    /// A step or persistence operation failed on the file system under test (the model ran it).
    case operationFailed(String)

    /// What went wrong, with what was expected and what was found.
    public var description: String {
        switch self {
        case .mountFailed(let error): "mount failed: \(error)"
        case .inconsistent(let problems): "fsck: " + problems.prefix(5).joined(separator: "; ")
        case .wrongView(let expectation, let found):
            "/\(expectation.promise.path): expected \(expectation.view) (\(expectation.promise.aspect == .data ? "data" : "everything")"
                + " promised at \(expectation.madeAt == 0 ? "the setup's sync" : "step \(expectation.madeAt)")), found \(found)"
        case .noVersion(let path, let found, let why): "/\(path): found \(found), which no version of the file explains: \(why)"
        case .notUsable(let error): "after recovery: \(error)"
        case .auditFailed(let problems): "audit: " + problems.prefix(5).joined(separator: "; ")
        case .operationFailed(let error): error
        }
    }
}

/// Mounts crash states, runs fsck on them and compares what they show with what the model promised.
struct Checker: Sendable {
    /// The file system under test.
    let factory: FileSystemFactory

    /// Recovers `image` (fsck first, then mount, look, probe, unmount) on a disk of its own.
    func observe(_ image: DiskImage) -> Observation {
        let fsckProblems = factory.fsck(SimulatedDisk(image: image))
        let fileSystem: any FileSystem
        do { fileSystem = try factory.mount(SimulatedDisk(image: image)) } catch {
            return Observation(mountError: "\(error)", fsckProblems: fsckProblems, snapshot: [:])
        }
        let fs: InProcessFileSystem
        do { fs = try InProcessFileSystem(fileSystem: fileSystem) } catch {
            return Observation(mountError: "INIT failed: \(error)", fsckProblems: fsckProblems, snapshot: [:])
        }
        defer { fs.unmount() }
        let snapshot = Snapshot.observe(fs), audit = factory.audit(fileSystem, fs)
        return Observation(fsckProblems: fsckProblems, snapshot: snapshot, probeError: Self.probe(fs), auditProblems: audit)
    }

    /// The problems of an observation against what a crash at that moment must show: the promised views
    /// (`expectations`), and for every regular file, some version of it (`versions`, per path).
    static func problems(_ observation: Observation, _ expectations: [Expectation], versions: [String: [[UInt8]]]) -> [Problem] {
        var problems: [Problem] = []
        if let error = observation.mountError { problems.append(.mountFailed(error)) }
        if !observation.fsckProblems.isEmpty { problems.append(.inconsistent(observation.fsckProblems)) }
        guard observation.mountError == nil else { return problems }
        for expectation in expectations {
            let found = observation.snapshot[expectation.promise.path, default: .absent].restricted(to: expectation.promise.aspect)
            if found != expectation.view { problems.append(.wrongView(expectation, found: found)) }
        }
        for path in FileSet.paths {
            guard case .file(let data, _, _) = observation.snapshot[path, default: .absent] else { continue }
            if let why = FileVersions.mismatch(data, versions: versions[path, default: []]) {
                problems.append(.noVersion(path: path, found: observation.snapshot[path, default: .absent], why: why))
            }
        }
        if !observation.auditProblems.isEmpty { problems.append(.auditFailed(observation.auditProblems)) }
        if let error = observation.probeError { problems.append(.notUsable(error)) }
        return problems
    }

    /// Creates, writes, fsyncs and deletes a file in every directory of the file set that exists, then makes and
    /// removes a directory in the root; the first error, or nil.
    private static func probe(_ fs: InProcessFileSystem) -> String? {
        var directory = ""
        do throws(Errno) {
            for candidate in [""] + FileSet.directories where (try? fs.lstat("/" + candidate))?.mode.type == .directory {
                directory = candidate
                let path = (candidate.isEmpty ? "" : "/" + candidate) + "/ace-probe"
                let descriptor = try fs.open(path, [.create, .readWrite, .exclusive], mode: 0o644)
                try fs.write(descriptor, Array(repeating: 7, count: 5000))
                try fs.fsync(descriptor)
                try fs.close(descriptor)
                try fs.unlink(path)
            }
            directory = ""
            try fs.mkdir("/ace-probe-dir", mode: 0o755)
            try fs.rmdir("/ace-probe-dir")
            return nil
        } catch {
            return "creating or deleting in /\(directory) failed: \(error)"
        }
    }
}
