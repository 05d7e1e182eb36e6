import ArgumentParser
import BentoHost
import Foundation

/// `bento trace`: a live mount's requests as they are served.
struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a live mount's requests as they are served (time, process, operation, node, names, size, "
            + "result, latency).",
        discussion: """
            Runs until interrupted, or until --count events were shown, or the mount ends. With --json, each \
            request is one JSON object per line (time, unique, op, node, pid, uid, name, newName, offset, size, \
            errno, latency in nanoseconds). Tracing costs the mount nothing while nobody traces; a tracer that \
            cannot keep up loses events (said on standard error) and never slows the mount.
            """)

    @Argument(help: "The mount point of a live Bento mount.")
    var mountpoint: String

    @Option(name: .customLong("op"), help: "Only these operations, e.g. --op LOOKUP --op WRITE (fuse.h's names).")
    var operations: [String] = []

    @Option(help: "Only requests from this process.")
    var pid: UInt32?

    @Flag(help: "One JSON object per request.")
    var json = false

    @Option(help: "Stop after this many requests.")
    var count: Int?

    func run() throws {
        let target = Upgrade.absolute(mountpoint)
        guard let daemon = Upgrade.daemon(serving: target) else {
            throw Failure("\(target) is not a live Bento mount (see bento status)")
        }
        let filter = RequestTracer.Filter(opcodes: Set(operations.map { $0.uppercased() }), pid: pid)
        guard let command = ControlServer.traceCommand(mountpoint: target, filter: filter) else {
            throw Failure("mount points holding a tab or a newline are not supported")
        }
        var shown = 0
        var failure: String?
        try ControlServer.follow(command, to: daemon) { line in
            if line.hasPrefix("error: ") {
                failure = String(line.dropFirst(7))
                return false
            }
            if line.hasPrefix("# dropped ") {
                FileHandle.standardError.write(Data("bento trace: \(line.dropFirst(2)) events (not keeping up)\n".utf8))
            }
            guard line.hasPrefix("{"), let event = TraceEvent(jsonLine: line) else { return true }
            FileHandle.standardOutput.write(Data(((json ? line : event.textLine) + "\n").utf8))  // unbuffered: live
            shown += 1
            return count.map { shown < $0 } ?? true
        }
        if let failure { throw Failure(failure) }
    }
}
