import ArgumentParser
import BentoHost
import BentoKit
import BentoServices
import Foundation
import InProcess
import ProvFS
import XV6FS

/// `bento prov`: questions to a provfs log, on a live mount (through the daemon's control socket) or on an
/// unmounted image.
struct Prov: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a provfs log who did what: its records, who wrote a file, a file's inputs and outputs.",
        discussion: """
            bento prov [SOURCE] log [--since TIME] [--path PATH] [--pid PID]
            bento prov [SOURCE] who-wrote PATH
            bento prov [SOURCE] inputs PATH [--depth N] [--tree]
            bento prov [SOURCE] outputs PATH [--depth N] [--tree]

            SOURCE is a provfs mount point or an unmounted image; without it, PATH names a file on a live provfs \
            mount and that mount is asked. PATH is a path on the host (inside the mount) or, for an image, a path \
            from the file system's root. Answers are tables; --json gives JSON, --dot a Graphviz graph (files as \
            boxes, processes as ellipses, arrows along the data). inputs lists the files read by the processes \
            that wrote PATH (--depth N follows them further back); outputs the files written by the processes \
            that read it. --tree widens each process to its job: every process in the log in its process group \
            (what a shell starts for one command line).
            """)

    @Argument(help: "[SOURCE] QUESTION [PATH]: log, who-wrote, inputs or outputs.")
    var words: [String]

    @Option(help: "log: only records at or after this time (ISO 8601, or seconds since the epoch).")
    var since: String?

    @Option(help: "log: only records about this path.")
    var path: String?

    @Option(help: "log: only records of this process.")
    var pid: UInt32?

    @Option(help: "inputs, outputs: how many steps of lineage to follow.")
    var depth = 1

    @Flag(help: "inputs, outputs: a process stands for its whole job (the processes of its process group in the log).")
    var tree = false

    @Flag(help: "Answer in JSON.")
    var json = false

    @Flag(help: "Answer as a Graphviz DOT graph.")
    var dot = false

    static let questions = ["log", "who-wrote", "inputs", "outputs"]

    func validate() throws {
        guard !(json && dot) else { throw ValidationError("--json and --dot exclude each other") }
        guard depth >= 1 else { throw ValidationError("--depth must be 1 or more") }
        guard let index = words.firstIndex(where: Self.questions.contains), index <= 1 else {
            throw ValidationError("name a question: \(Self.questions.joined(separator: ", "))")
        }
        let arguments = words.count - index - 1
        guard arguments == (words[index] == "log" ? 0 : 1) else {
            throw ValidationError(words[index] == "log" ? "log takes no path (use --path)" : "\(words[index]) takes one PATH")
        }
        guard index == 1 || words[index] != "log" else { throw ValidationError("log needs a SOURCE: a mount point or an image") }
    }

    func run() throws {
        let index = words.firstIndex(where: Self.questions.contains) ?? 0
        let question = words[index]
        let target = index + 1 < words.count ? words[index + 1] : nil
        let source = try ProvSource.open(index == 1 ? words[0] : nil, for: target ?? path)
        let query = ProvenanceQuery(log: source.log, names: ProvenanceNames(log: source.log, current: source.paths))
        for problem in source.log.problems { FileHandle.standardError.write(Data("bento prov: warning: \(problem)\n".utf8)) }
        switch question {
        case "log":
            let files = try path.map { try filesAt($0, source, query) }
            let records = query.records(since: try since.map(Self.time), files: files, pid: pid)
            print(json ? try Self.json(records.map(\.record)) : dot ? query.graph(of: records).dot : query.table(records), terminator: "")
        case "who-wrote":
            let files = try filesAt(target ?? "", source, query)
            let writers = query.writers(of: files)
            let records = query.records(files: files).filter(\.record.writesData)
            print(json ? try Self.json(writers) : dot ? query.graph(of: records).dot : query.table(writers), terminator: "")
        default:
            let graph = query.lineage(of: try filesAt(target ?? "", source, query),
                                      question == "inputs" ? .inputs : .outputs, depth: depth, tree: tree)
            print(json ? try Self.json(graph) : dot ? graph.dot : graph.table, terminator: "")
        }
    }

    /// The objects `path` names (now, or in the log's history); an error when none.
    private func filesAt(_ path: String, _ source: ProvSource, _ query: ProvenanceQuery) throws -> Set<FileLife> {
        let files = query.names.files(at: source.pathInside(path))
        guard !files.isEmpty else { throw Failure("\(path): not found now, nor in the provenance log") }
        return files
    }

    /// A time given as ISO 8601 or as seconds since the epoch.
    static func time(_ text: String) throws -> Timestamp {
        if let seconds = Double(text) {
            guard seconds.isFinite, abs(seconds) < 1e15 else { throw Failure("--since \(text): not a time") }
            let whole = seconds.rounded(.down)
            return Timestamp(seconds: Int64(whole), nanoseconds: UInt32(min((seconds - whole) * 1e9, 999_999_999)))
        }
        let formatter = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime]] {
            formatter.formatOptions = options
            if let date = formatter.date(from: text), date.timeIntervalSince1970.isFinite, abs(date.timeIntervalSince1970) < 1e15 {
                let seconds = date.timeIntervalSince1970, whole = seconds.rounded(.down)
                return Timestamp(seconds: Int64(whole), nanoseconds: UInt32(min((seconds - whole) * 1e9, 999_999_999)))
            }
        }
        throw Failure("--since \(text): not a time (ISO 8601 such as 2026-12-07T22:00:00Z, or seconds since the epoch)")
    }

    /// `value` as indented JSON with sorted keys.
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}

/// Where `bento prov` reads a provenance log: a live provfs mount (its daemon's report and a walk of the mount
/// point) or an unmounted image (mounted read-only in this process).
struct ProvSource {
    /// The log.
    let log: ProvenanceLog
    /// Every object's path now, by inode.
    let paths: [UInt64: String]
    /// The mount point of a live mount; nil for an image.
    let mountpoint: String?

    /// The source named `source`, else the live mount holding `path`.
    static func open(_ source: String?, for path: String?) throws -> ProvSource {
        if let source {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
                throw Failure("\(source): no such mount point or image")
            }
            return isDirectory.boolValue ? try live(Upgrade.absolute(source)) : try image(source)
        }
        guard let path else { throw Failure("name a SOURCE: a provfs mount point or an image") }
        let absolute = Upgrade.absolute(path)
        let mounts = ControlServer.socketPaths().flatMap { socket in
            ((try? ControlServer.send("status", to: socket)) ?? "").split(separator: "\n").compactMap { line in
                line.split(separator: "\t").first.map { (mountpoint: String($0), daemon: socket) }
            }
        }
        guard let mount = mounts.filter({ absolute == $0.mountpoint || absolute.hasPrefix($0.mountpoint == "/" ? "/" : $0.mountpoint + "/") })
            .max(by: { $0.mountpoint.count < $1.mountpoint.count }) else {
            throw Failure("\(path) is not on a live Bento mount; name the SOURCE (a provfs mount point or image)")
        }
        return try live(mount.mountpoint, daemon: mount.daemon)
    }

    /// The live mount at `mountpoint`, served by the daemon with control socket `daemon` (found when not given).
    private static func live(_ mountpoint: String, daemon known: String? = nil) throws -> ProvSource {
        guard let daemon = known ?? Upgrade.daemon(serving: mountpoint) else {
            throw Failure("\(mountpoint) is not a live Bento mount (see bento status)")
        }
        guard let command = ControlServer.reportCommand(mountpoint: mountpoint, topic: ProvFS.reportTopic) else {
            throw Failure("mount points holding a tab or a newline are not supported")
        }
        let answer = try ControlServer.send(command, to: daemon)
        if answer.hasPrefix("error: ") {
            throw Failure(answer.dropFirst(7).trimmingCharacters(in: .newlines) + " (is it a provfs mount?)")
        }
        // The walk stays on the mount: whatever is mounted below it has inode numbers of its own.
        let device = (try? FileManager.default.attributesOfItem(atPath: mountpoint))?[.systemNumber] as? NSNumber
        let paths = ProvenanceNames.walk { directory in
            let here = mountpoint + (directory == "/" ? "" : directory)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: here)) ?? []
            return names.compactMap { name in
                guard let attributes = try? FileManager.default.attributesOfItem(atPath: here + "/" + name),
                      attributes[.systemNumber] as? NSNumber == device,
                      let inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value else { return nil }
                return (name, inode, attributes[.type] as? FileAttributeType == .typeDirectory)
            }
        }
        return ProvSource(log: try ProvenanceLog(jsonLines: answer), paths: paths, mountpoint: mountpoint)
    }

    /// The unmounted image at `path`, read-only.
    private static func image(_ path: String) throws -> ProvSource {
        let lock = try ImageLock.acquire(path)  // a mounted image is asked through its mount point instead
        defer { close(lock) }
        let fileSystem = try XV6FS(device: try FileBlockDevice.open(path: path, readOnly: true),
                                   options: XV6FS.Options(checksPermissions: false, readOnly: true, commitInterval: nil,
                                                          operationLog: ProvenanceRecorder(processes: SimulatedProcessDirectory())))
        guard let log = try? ProvenanceLog(of: fileSystem) else {
            fileSystem.destroy()
            throw Failure("\(path) has no provenance log (mount it with --fs provfs, or upgrade its xv6fs mount to provfs)")
        }
        let mounted = try InProcessFileSystem(fileSystem: fileSystem)
        defer { mounted.unmount() }
        let paths = ProvenanceNames.walk { directory in
            ((try? mounted.readdir(directory)) ?? []).filter { !$0.name.isDotOrDotDot }.map { entry in
                (entry.name.description, entry.inode.rawValue, entry.type == .directory)
            }
        }
        return ProvSource(log: log, paths: paths, mountpoint: nil)
    }

    /// `path` as a path from the file system's root: a host path inside the mount point loses that prefix; any
    /// other path is taken from the root.
    func pathInside(_ path: String) -> String {
        if let mountpoint {
            let absolute = Upgrade.absolute(path)
            if absolute == mountpoint { return "/" }
            if absolute.hasPrefix(mountpoint + "/") { return String(absolute.dropFirst(mountpoint.count)) }
        }
        return ProvenanceNames.normalized(path)
    }
}
