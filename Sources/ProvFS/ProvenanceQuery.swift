import BentoKit

/// The questions `bento prov` answers from a provenance log: which records, who wrote a file, what it was made
/// from (`inputs`) and what was made from it (`outputs`).
///
/// Lineage follows processes: a file's inputs are the files read by the processes that wrote it, and with a
/// depth above one, the inputs of those in turn. With `tree`, a process stands for its whole job: every process
/// in the log in its process group (what a shell starts for one command line: a `make` and every compiler and
/// linker under it, so that work passed through temporary files elsewhere still links outputs to sources), or,
/// for a process whose group is unknown, those with the same parent. A process is its pid and start time
/// (`ProcessKey`): a reused pid is another process, and one that exec'd is the same (its reads through files it
/// opened before the exec count with its writes after).
public struct ProvenanceQuery: Sendable {
    /// The log asked.
    public let log: ProvenanceLog
    /// How inodes are named.
    public let names: ProvenanceNames
    /// The last `process` record of each process.
    public let processes: [ProcessKey: ProvenanceRecord]
    /// The process of each record, by its index in the log: the one the last process record of its pid before it
    /// names (start time 0 when there is none).
    private let processOf: [ProcessKey]

    /// Questions over `log`, naming inodes with `names`.
    public init(log: ProvenanceLog, names: ProvenanceNames) {
        self.log = log
        self.names = names
        var processes: [ProcessKey: ProvenanceRecord] = [:]
        var current: [UInt32: ProcessKey] = [:]
        var processOf: [ProcessKey] = []
        for record in log.records {
            if record.kind == .process {
                let key = ProcessKey(pid: record.pid, started: record.started ?? 0)
                processes[key] = record
                current[record.pid] = key
            }
            processOf.append(current[record.pid] ?? ProcessKey(pid: record.pid, started: 0))
        }
        self.processes = processes
        self.processOf = processOf
    }

    // MARK: Records

    /// One record with what it is about: its object (nil for a process record) and its process.
    public struct Entry: Sendable {
        public var record: ProvenanceRecord
        public var file: FileLife?
        public var process: ProcessKey
    }

    /// The records (process records included) at or after `since`, about `files` and by `pid`; nil filters pass
    /// everything.
    public func records(since: Timestamp? = nil, files: Set<FileLife>? = nil, pid: UInt32? = nil) -> [Entry] {
        log.records.enumerated().compactMap { index, record in
            let file = names.file(of: index)
            if let since, record.time < since { return nil }
            if let pid, record.pid != pid { return nil }
            if let files { guard let file, files.contains(file) else { return nil } }
            return Entry(record: record, file: file, process: processOf[index])
        }
    }

    // MARK: Writers

    /// One process's writes to a file.
    public struct Writer: Sendable, Hashable, Codable {
        public var pid: UInt32
        public var started: UInt64
        public var executable: String?
        public var commandLine: [String]?
        /// The first and last of its records that changed the file.
        public var first: Timestamp
        public var last: Timestamp
        /// Bytes written (from its writes' close records; a file still open counts its first write only).
        public var bytesWritten: UInt64
        /// The kinds of change it made (`create`, `write`, `setattr`, …), in first-seen order.
        public var operations: [String]
    }

    /// The processes that changed the contents of `files`, in the order they first did.
    public func writers(of files: Set<FileLife>) -> [Writer] {
        var writers: [Writer] = []
        var index: [ProcessKey: Int] = [:]
        var openWrites: [ProcessKey: UInt64] = [:]  // bytes of first writes not yet closed, per process
        for entry in records(files: files) where entry.record.writesData {
            let record = entry.record, key = entry.process
            if index[key] == nil {
                index[key] = writers.count
                let process = processes[key]
                writers.append(Writer(pid: key.pid, started: key.started, executable: process?.executable,
                                      commandLine: process?.commandLine, first: record.time, last: record.time,
                                      bytesWritten: 0, operations: []))
            }
            guard let at = index[key] else { continue }
            writers[at].last = record.time
            if !writers[at].operations.contains(record.kind.rawValue) { writers[at].operations.append(record.kind.rawValue) }
            switch record.kind {
            case .write: openWrites[key, default: 0] += record.length ?? 0
            case .close:
                writers[at].bytesWritten += record.bytesWritten ?? 0
                openWrites[key] = 0
            default: break
            }
        }
        for (key, bytes) in openWrites where bytes > 0 { if let at = index[key] { writers[at].bytesWritten += bytes } }
        return writers
    }

    // MARK: Lineage

    /// Which way lineage goes.
    public enum Direction: String, Sendable, Codable {
        /// From a file to what it was made from.
        case inputs
        /// From a file to what was made from it.
        case outputs
    }

    /// The files `files` were made from (`inputs`) or that were made from them (`outputs`), `depth` steps away
    /// at most, with the processes in between.
    public func lineage(of files: Set<FileLife>, _ direction: Direction, depth: Int = 1, tree: Bool = false) -> ProvenanceGraph {
        var graph = ProvenanceGraph(direction: direction)
        for file in files.sorted() { graph.add(file: file, path: names.path(of: file), depth: 0) }
        let flows = Flows(self)
        var frontier = files
        var seen = files
        for step in 1...max(1, depth) {
            var next: Set<FileLife> = []
            for file in frontier.sorted() {
                // inputs: the file's writers, then what they read; outputs: its readers, then what they wrote.
                let near = direction == .inputs ? flows.writers[file, default: []] : flows.readers[file, default: []]
                for process in (tree ? jobs(of: near) : near).sorted() {
                    graph.add(process: process, record: processes[process])
                    if direction == .inputs { graph.connect(process: process, wrote: file) } else { graph.connect(file: file, readBy: process) }
                    let far = direction == .inputs ? flows.read[process, default: []] : flows.written[process, default: []]
                    for other in far.sorted() where other != file {
                        if !seen.contains(other) {
                            graph.add(file: other, path: names.path(of: other), depth: step)
                            seen.insert(other)
                            next.insert(other)
                        }
                        if direction == .inputs { graph.connect(file: other, readBy: process) } else { graph.connect(process: process, wrote: other) }
                    }
                }
            }
            frontier = next
            if frontier.isEmpty { break }
        }
        return graph
    }

    /// Who read and wrote what, over the whole log.
    private struct Flows {
        var writers: [FileLife: Set<ProcessKey>] = [:], readers: [FileLife: Set<ProcessKey>] = [:]
        var written: [ProcessKey: Set<FileLife>] = [:], read: [ProcessKey: Set<FileLife>] = [:]

        init(_ query: ProvenanceQuery) {
            for entry in query.records() where entry.record.pid != 0 {
                guard let file = entry.file else { continue }
                if entry.record.writesData {
                    writers[file, default: []].insert(entry.process)
                    written[entry.process, default: []].insert(file)
                }
                if entry.record.readsData {
                    readers[file, default: []].insert(entry.process)
                    read[entry.process, default: []].insert(file)
                }
            }
        }
    }

    /// Every process in the log sharing a job with one of `processes`.
    func jobs(of wanted: Set<ProcessKey>) -> Set<ProcessKey> {
        let jobs = Set(wanted.compactMap(job))
        return wanted.union(processes.keys.filter { job(of: $0).map(jobs.contains) == true })
    }

    /// The job of `key`: its process group, else its parent (nil when the log knows neither).
    func job(of key: ProcessKey) -> Job? {
        guard let process = processes[key] else { return nil }
        if let group = process.processGroup, group > 1 { return .group(group) }
        if let parent = process.parentPid, parent > 1 { return .children(of: parent) }
        return nil
    }

    /// What makes processes one job.
    enum Job: Hashable {
        case group(UInt32)
        case children(of: UInt32)
    }
}

/// A process as the log names it: its pid and when it started (0 when the log has no process record for it).
public struct ProcessKey: Sendable, Hashable, Comparable, Codable {
    public var pid: UInt32
    public var started: UInt64

    public init(pid: UInt32, started: UInt64) {
        self.pid = pid
        self.started = started
    }

    public static func < (a: ProcessKey, b: ProcessKey) -> Bool { (a.pid, a.started) < (b.pid, b.started) }
}
