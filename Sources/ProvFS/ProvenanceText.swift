import BentoKit
import Foundation

// How `bento prov` shows records and writers as tables, and any set of records as a DOT graph.

extension ProvenanceQuery {
    /// `records` (with their objects) as a table: time, program, operation, path, details.
    public func table(_ entries: [Entry]) -> String {
        let rows = entries.map { entry -> [String] in
            let record = entry.record
            let program = processes[entry.process].map { ProvenanceGraph.Process(pid: record.pid, executable: $0.executable).label }
                ?? "\(record.pid)"
            return [record.time.iso8601, program, record.kind.rawValue, entry.file.map(names.path) ?? "", details(of: record)]
        }
        return TextTable(header: ["TIME", "PROCESS", "OP", "PATH", "DETAILS"], rows: rows).text
    }

    /// What a record says beyond its kind and object.
    func details(of record: ProvenanceRecord) -> String {
        func name(_ parent: UInt64?, _ name: String?) -> String? {
            guard let parent, let name else { return nil }
            let directory = names.path(of: names.currentFile(parent))
            return (directory == "/" ? "" : directory) + "/" + name
        }
        var words: [String] = []
        switch record.kind {
        case .process:
            words.append("parent \(record.parentPid ?? 0): " + (record.commandLine ?? []).joined(separator: " "))
        case .create: words.append((record.type ?? "") + (name(record.parent, record.name).map { " as \($0)" } ?? " (no name)"))
        case .link: words.append(name(record.parent, record.name).map { "as \($0)" } ?? "")
        case .unlink: words.append((name(record.parent, record.name) ?? "") + (record.last == true ? " (last name)" : ""))
        case .rename:
            words.append("\(name(record.parent, record.name) ?? "?") → \(name(record.newParent, record.newName) ?? "?")")
            if let replaced = record.replaced { words.append(record.exchanged == true ? "exchanged with #\(replaced)" : "replacing #\(replaced)") }
        case .write, .fallocate: words.append("\(record.length ?? 0) bytes at \(record.offset ?? 0)")
        case .close:
            words.append("read \(record.bytesRead ?? 0) bytes, wrote \(record.bytesWritten ?? 0) bytes")
        case .setxattr, .removexattr: words.append(record.attribute ?? "")
        case .setattr:
            if let size = record.size { words.append("size=\(size)") }
            if let mode = record.mode { words.append("mode=0" + String(mode, radix: 8)) }
            if let uid = record.newUID { words.append("uid=\(uid)") }
            if let gid = record.newGID { words.append("gid=\(gid)") }
            words += record.times ?? []
        case .chattr: break
        }
        if let flags = record.flags { words.append("flags=0x" + String(flags, radix: 16)) }
        return words.joined(separator: " ")
    }

    /// `writers` as a table: pid, program, first and last change, bytes, operations, command line.
    public func table(_ writers: [Writer]) -> String {
        let rows = writers.map { writer -> [String] in
            [ProvenanceGraph.Process(pid: writer.pid, executable: writer.executable).label, writer.first.iso8601,
             writer.last.iso8601, "\(writer.bytesWritten)", writer.operations.joined(separator: ","),
             (writer.commandLine ?? []).joined(separator: " ")]
        }
        return TextTable(header: ["PROCESS", "FIRST", "LAST", "BYTES", "OPERATIONS", "COMMAND"], rows: rows).text
    }

    /// The files and processes of `records`, joined by their reads and writes.
    public func graph(of entries: [Entry]) -> ProvenanceGraph {
        var graph = ProvenanceGraph(direction: .outputs)
        for entry in entries where entry.record.pid != 0 && (entry.record.writesData || entry.record.readsData) {
            guard let file = entry.file else { continue }
            graph.add(file: file, path: names.path(of: file), depth: 0)
            graph.add(process: entry.process, record: processes[entry.process])
            if entry.record.writesData { graph.connect(process: entry.process, wrote: file) }
            if entry.record.readsData { graph.connect(file: file, readBy: entry.process) }
        }
        return graph
    }
}

extension ProvenanceGraph.Process {
    init(pid: UInt32, executable: String?) { self.init(pid: pid, started: 0, parentPid: nil, executable: executable, commandLine: nil) }
}

extension Timestamp {
    /// The time in UTC, ISO 8601 with milliseconds (`2026-12-07T22:10:03.123Z`).
    public var iso8601: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1e9))
    }
}
