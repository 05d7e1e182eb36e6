import Foundation

/// The answer to a lineage question: files and processes, and which process read or wrote which file.
///
/// Shown three ways: a table (one row per file found, with the process that links it and its depth), JSON
/// (`Codable`), and a Graphviz DOT graph (files as boxes, processes as ellipses, an arrow from each file to the
/// processes that read it and from each process to the files it wrote: data flows along the arrows).
public struct ProvenanceGraph: Sendable, Hashable, Codable {
    /// A file in the answer; depth 0 is the file asked about.
    public struct File: Sendable, Hashable, Codable {
        public var file: FileLife
        public var path: String
        public var depth: Int
        /// Its node in DOT.
        var node: String { "f\(file.inode)_\(file.life)" }
    }

    /// A process in the answer.
    public struct Process: Sendable, Hashable, Codable {
        public var pid: UInt32
        public var started: UInt64
        public var parentPid: UInt32?
        public var executable: String?
        public var commandLine: [String]?

        /// The program's name and pid (`sort[4711]`).
        public var label: String {
            let program = executable.map { String($0.split(separator: "/").last ?? Substring($0)) } ?? "?"
            return "\(program)[\(pid)]"
        }
        /// Its process.
        var key: ProcessKey { ProcessKey(pid: pid, started: started) }
        /// Its node in DOT.
        var node: String { "p\(pid)_\(started)" }
    }

    /// Data moving: a file read by a process, or a process writing a file.
    public struct Edge: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable { case read, wrote }
        public var kind: Kind
        public var file: FileLife
        public var process: ProcessKey
    }

    /// Which question this answers.
    public var direction: ProvenanceQuery.Direction
    public private(set) var files: [File] = []
    public private(set) var processes: [Process] = []
    public private(set) var edges: [Edge] = []

    /// An empty answer to a question going `direction`.
    public init(direction: ProvenanceQuery.Direction) { self.direction = direction }

    mutating func add(file: FileLife, path: String, depth: Int) {
        guard !files.contains(where: { $0.file == file }) else { return }
        files.append(File(file: file, path: path, depth: depth))
    }

    mutating func add(process key: ProcessKey, record: ProvenanceRecord?) {
        guard !processes.contains(where: { $0.key == key }) else { return }
        processes.append(Process(pid: key.pid, started: key.started, parentPid: record?.parentPid, executable: record?.executable,
                                 commandLine: record?.commandLine))
    }

    mutating func connect(file: FileLife, readBy process: ProcessKey) { insert(Edge(kind: .read, file: file, process: process)) }
    mutating func connect(process: ProcessKey, wrote file: FileLife) { insert(Edge(kind: .wrote, file: file, process: process)) }

    private mutating func insert(_ edge: Edge) { if !edges.contains(edge) { edges.append(edge) } }

    /// The files found (the one asked about left out), each with its depth and the processes that link it.
    public var table: String {
        let linking: Edge.Kind = direction == .inputs ? .read : .wrote
        let rows = files.filter { $0.depth > 0 }.map { file -> [String] in
            let via = edges.filter { $0.file == file.file && $0.kind == linking }.compactMap { edge in
                processes.first { $0.key == edge.process }?.label
            }
            return ["\(file.depth)", file.path, via.joined(separator: " ")]
        }
        return TextTable(header: ["DEPTH", "PATH", direction == .inputs ? "READ BY" : "WRITTEN BY"], rows: rows).text
    }

    /// The graph in Graphviz's DOT language.
    public var dot: String {
        var lines = ["digraph provenance {", "  rankdir=LR;"]
        for file in files {
            lines.append("  \(file.node) [shape=box, label=\(Self.quoted(file.path))\(file.depth == 0 ? ", style=bold" : "")];")
        }
        for process in processes {
            let command = process.commandLine?.joined(separator: " ") ?? ""
            lines.append("  \(process.node) [shape=ellipse, label=\(Self.quoted(process.label)), tooltip=\(Self.quoted(command))];")
        }
        for edge in edges {
            let file = File(file: edge.file, path: "", depth: 0).node
            let process = "p\(edge.process.pid)_\(edge.process.started)"
            lines.append(edge.kind == .read ? "  \(file) -> \(process) [label=read];" : "  \(process) -> \(file) [label=wrote];")
        }
        return (lines + ["}"]).joined(separator: "\n") + "\n"
    }

    /// `text` as a DOT string literal.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}

/// Columns padded to their widest cell, two spaces apart.
struct TextTable {
    let header: [String]
    let rows: [[String]]

    var text: String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
