import BentoKit

/// The questions `bento prov` answers from a provenance log: which records, who wrote a file, what it was made
/// from (`inputs`) and what was made from it (`outputs`).
///
/// Lineage follows processes: a file's inputs are the files read by the processes that wrote it, and with a
/// depth above one, the inputs of those in turn. With `tree`, a process stands for its whole job: every process
/// in the log in its process group (what a shell starts for one command line: a `make` and every compiler and
/// linker under it, so that work passed through temporary files elsewhere still links outputs to sources), or,
/// for a process whose group is unknown, those with the same parent. A pid the log saw reused is taken as one
/// process (the log keeps no start times).
public struct ProvenanceQuery: Sendable {
    /// The log asked.
    public let log: ProvenanceLog
    /// How inodes are named.
    public let names: ProvenanceNames
    /// The last `process` record of each pid.
    public let processes: [UInt32: ProvenanceRecord]

    /// Questions over `log`, naming inodes with `names`.
    public init(log: ProvenanceLog, names: ProvenanceNames) {
        self.log = log
        self.names = names
        var processes: [UInt32: ProvenanceRecord] = [:]
        for record in log.records where record.kind == .process { processes[record.pid] = record }
        self.processes = processes
    }

    // MARK: Records

    /// The records (process records included) at or after `since`, about `files` and by `pid`, each with its
    /// object; nil filters pass everything.
    public func records(since: Timestamp? = nil, files: Set<FileLife>? = nil, pid: UInt32? = nil) -> [(ProvenanceRecord, FileLife?)] {
        log.records.enumerated().compactMap { index, record in
            let file = names.file(of: index)
            if let since, record.time < since { return nil }
            if let pid, record.pid != pid { return nil }
            if let files { guard let file, files.contains(file) else { return nil } }
            return (record, file)
        }
    }

    // MARK: Writers

    /// One process's writes to a file.
    public struct Writer: Sendable, Hashable, Codable {
        public var pid: UInt32
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
        var index: [UInt32: Int] = [:]
        var openWrites: [UInt32: UInt64] = [:]  // bytes of first writes not yet closed, per pid
        for (record, _) in records(files: files) where record.writesData {
            if index[record.pid] == nil {
                index[record.pid] = writers.count
                let process = processes[record.pid]
                writers.append(Writer(pid: record.pid, executable: process?.executable, commandLine: process?.commandLine,
                                      first: record.time, last: record.time, bytesWritten: 0, operations: []))
            }
            guard let at = index[record.pid] else { continue }
            writers[at].last = record.time
            if !writers[at].operations.contains(record.kind.rawValue) { writers[at].operations.append(record.kind.rawValue) }
            switch record.kind {
            case .write: openWrites[record.pid, default: 0] += record.length ?? 0
            case .close:
                writers[at].bytesWritten += record.bytesWritten ?? 0
                openWrites[record.pid] = 0
            default: break
            }
        }
        for (pid, bytes) in openWrites where bytes > 0 { if let at = index[pid] { writers[at].bytesWritten += bytes } }
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
                for pid in (tree ? jobs(of: near) : near).sorted() {
                    graph.add(process: pid, record: processes[pid])
                    if direction == .inputs { graph.connect(process: pid, wrote: file) } else { graph.connect(file: file, readBy: pid) }
                    let far = direction == .inputs ? flows.read[pid, default: []] : flows.written[pid, default: []]
                    for other in far.sorted() where other != file {
                        if !seen.contains(other) {
                            graph.add(file: other, path: names.path(of: other), depth: step)
                            seen.insert(other)
                            next.insert(other)
                        }
                        if direction == .inputs { graph.connect(file: other, readBy: pid) } else { graph.connect(process: pid, wrote: other) }
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
        var writers: [FileLife: Set<UInt32>] = [:], readers: [FileLife: Set<UInt32>] = [:]
        var written: [UInt32: Set<FileLife>] = [:], read: [UInt32: Set<FileLife>] = [:]

        init(_ query: ProvenanceQuery) {
            for (record, file) in query.records() where record.pid != 0 {
                guard let file else { continue }
                if record.writesData {
                    writers[file, default: []].insert(record.pid)
                    written[record.pid, default: []].insert(file)
                }
                if record.readsData {
                    readers[file, default: []].insert(record.pid)
                    read[record.pid, default: []].insert(file)
                }
            }
        }
    }

    /// Every process in the log sharing a job with one of `pids`.
    func jobs(of pids: Set<UInt32>) -> Set<UInt32> {
        let wanted = Set(pids.compactMap(job))
        return pids.union(processes.keys.filter { job(of: $0).map(wanted.contains) == true })
    }

    /// The job of `pid`: its process group, else its parent (nil when the log knows neither).
    func job(of pid: UInt32) -> Job? {
        guard let process = processes[pid] else { return nil }
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
