import BentoKit
import BentoSystem
import Foundation
import Logging

/// The daemon's control socket (`/run/bento/<pid>.sock`, mode 0600 in a 0700 directory): answers `bento status`,
/// `bento stats` and `bento upgrade`, to root and the daemon's own user only (the peer's uid, `SO_PEERCRED`, is
/// checked on every connection, so a widened mode lets nobody else in either).
///
/// Protocol: the client sends one command line; the server answers with lines and closes. `status` answers one
/// line per live mount: `mountpoint<TAB>type<TAB>version<TAB>pid<TAB>started-unix-seconds<TAB>source<TAB>transport`
/// (`uring`, `dev`, or `dev(auto)` when the default `transport=auto` is served through `/dev/fuse`;
/// `Session.transportStatus`)<TAB>state (`rw`, `ro`, `ro(error)` once the file system stopped taking changes after
/// an error, `rw(degraded: <warnings>)` while it serves with a warning; `Session.stateStatus`).
/// `stats` answers one line per mount and counter: `mountpoint<TAB>counter<TAB>value`, where the counters are
/// requests per opcode (`LOOKUP`, `WRITE`, ...), `unknown` requests and `outstanding_lookups`, then the file
/// system's own counters (xv6fs: `cache_blocks`, `inodes_cached`, their capacities, evictions).
/// `upgrade<TAB>mountpoint<TAB>module path` (`upgradeCommand`; paths may hold spaces, not tabs or newlines)
/// upgrades a mount and answers `ok<TAB>mountpoint<TAB>old type<TAB>old version<TAB>new type<TAB>new version<TAB>`
/// `pause-µs<TAB>drain-µs<TAB>prepare-µs<TAB>resume-µs<TAB>quiesce-µs` (`UpgradePause`).
/// `trace<TAB>mountpoint<TAB>opcodes<TAB>pid` (`traceCommand`; opcodes comma-separated, either field empty for all)
/// streams the mount's requests as they are served, one `TraceEvent` JSON object per line, until the client closes
/// or the mount ends (`# ended`); `# dropped N` says N events were lost because the client did not keep up, and a
/// lone `#` line comes after each idle second (so a client that left is noticed). Each trace has its own thread.
/// `report<TAB>mountpoint<TAB>topic` (`reportCommand`) answers the file system's report (`FileSystem.report`:
/// provfs's `provenance` log, one JSON record per line).
/// `handoff<TAB>mountpoint` (`handoffCommand`) hands the mount to the daemon that asks (`Session+Handoff.swift`
/// has the exchange that follows).
/// A failure answers one line `error: <why>`.
public final class ControlServer: Sendable {
    /// The directory holding control sockets (`BENTO_RUNTIME_DIR`, default `/run/bento`).
    public static var runtimeDirectory: String {
        ProcessInfo.processInfo.environment["BENTO_RUNTIME_DIR"] ?? "/run/bento"
    }

    /// The socket path of the daemon with process id `pid`.
    public static func socketPath(pid: Int32) -> String { "\(runtimeDirectory)/\(pid).sock" }

    /// The control sockets present in the runtime directory, sorted (some may belong to daemons that are gone).
    public static func socketPaths() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runtimeDirectory)) ?? []
        return names.filter { $0.hasSuffix(".sock") }.sorted().map { runtimeDirectory + "/" + $0 }
    }

    private let registry: Registry
    private let socket: StreamSocket
    /// Where this server listens.
    public let path: String
    private let logger: Logger

    /// Listens on this process's socket path and serves commands on a background thread.
    public init(registry: Registry, logger: Logger = Logger(label: "bento.control")) throws(HostError) {
        self.registry = registry
        self.logger = logger
        path = Self.socketPath(pid: ProcessInfo.processInfo.processIdentifier)
        do {
            try FileManager.default.createDirectory(atPath: Self.runtimeDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw HostError("cannot create \(Self.runtimeDirectory): \(error)")
        }
        do {
            socket = try StreamSocket.listen(at: path)
        } catch {
            throw HostError("cannot listen on \(path): \(error)")
        }
        let thread = Thread { [self] in serve() }
        thread.name = "bento-control"
        thread.start()
    }

    /// Removes the socket file; call when the daemon exits.
    public func remove() { try? FileManager.default.removeItem(atPath: path) }

    private func serve() {
        while true {
            guard let client = try? socket.accept() else { return }
            let user = HostProcess.effectiveUserID, peer = client.peerUserID
            guard let peer, peer == 0 || peer == user else {
                // The socket's mode (0600) already keeps others out; this holds even if someone widened it.
                logger.warning("control socket: refused a client with uid \(peer.map(String.init) ?? "unknown")")
                try? client.write(Array("error: only root or uid \(user) may use this daemon's control socket\n".utf8))
                continue
            }
            let command = String(decoding: (try? client.readLine()) ?? [], as: UTF8.self)
            if let (mountpoint, filter) = Self.parseTrace(command) {
                guard let session = registry.session(at: mountpoint) else {
                    try? client.write(Array("error: \(mountpoint) is not mounted by this daemon\n".utf8))
                    continue
                }
                let thread = Thread { [self] in stream(session, filter: filter, to: client) }
                thread.name = "bento-trace"
                thread.start()
                continue
            }
            if let mountpoint = Self.parseHandoff(command) {
                handOff(mountpoint, to: client)
                continue
            }
            try? client.write(Array(answer(command).utf8))
        }
    }

    /// Hands the mount at `mountpoint` to the daemon at the other end of `client` (`Session.handOff`); after a
    /// handoff this daemon's mount ends and the process exits (`FileSystemDaemon`).
    private func handOff(_ mountpoint: String, to client: StreamSocket) {
        guard let session = registry.session(at: mountpoint) else {
            try? client.write(Array("error: \(mountpoint) is not mounted by this daemon\n".utf8))
            return
        }
        let kept = FileSystemDaemon.kept.withLock { $0 }
        do { try session.handOff(to: client, held: kept.held, pidFile: kept.pidFile) } catch {
            logger.warning("handoff of \(mountpoint) failed: \(error)")
            try? client.write(Array("error: \(error)\n".utf8))
        }
    }

    /// The mount point of a `handoff` command line, nil for another command.
    static func parseHandoff(_ command: String) -> String? {
        let fields = command.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 2, fields[0] == "handoff", !fields[1].isEmpty else { return nil }
        return String(fields[1])
    }

    /// The `handoff` command line for `mountpoint` (a new daemon asking for the mount); nil when the mount point
    /// holds a tab or a newline.
    public static func handoffCommand(mountpoint: String) -> String? {
        guard !mountpoint.contains(where: { $0 == "\t" || $0.isNewline }) else { return nil }
        return ["handoff", mountpoint].joined(separator: "\t")
    }

    private func answer(_ command: String) -> String {
        let fields = command.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        if fields.count == 3, fields[0] == "upgrade" { return upgrade(fields[1], toModuleAt: fields[2]) }
        if fields.count == 3, fields[0] == "report" { return report(fields[2], of: fields[1]) }
        switch command.trimmingCharacters(in: .whitespaces) {
        case "status":
            return registry.liveMounts.map { session in
                [session.mountpoint, session.type.name, session.type.version, "\(ProcessInfo.processInfo.processIdentifier)",
                 "\(Int(session.started.timeIntervalSince1970))", session.source,
                 session.transportStatus, session.stateStatus].joined(separator: "\t") + "\n"
            }.joined()
        case "stats":
            return registry.liveMounts.map { session in
                session.statistics.map { "\(session.mountpoint)\t\($0.name)\t\($0.value)\n" }.joined()
            }.joined()
        default:
            return "error: unknown command '\(command)'\n"
        }
    }

    private func upgrade(_ mountpoint: String, toModuleAt path: String) -> String {
        do {
            let report = try registry.upgrade(mountpoint, toModuleAt: path)
            return ["ok", report.mountpoint, report.previous.name, report.previous.version, report.current.name,
                    report.current.version, "\(report.pause.total.microseconds)", "\(report.pause.drain.microseconds)",
                    "\(report.pause.prepare.microseconds)", "\(report.pause.resume.microseconds)",
                    "\(report.pause.quiesce.microseconds)"].joined(separator: "\t") + "\n"
        } catch {
            logger.warning("upgrade of \(mountpoint) failed: \(error)")
            return "error: \(error)\n"
        }
    }

    /// The file system's report `topic` for the mount at `mountpoint` (its text), or an `error: ` line.
    private func report(_ topic: String, of mountpoint: String) -> String {
        guard let session = registry.session(at: mountpoint) else { return "error: \(mountpoint) is not mounted by this daemon\n" }
        do { return try session.dispatcher.fileSystemReport(topic) } catch .noFunction {
            return "error: \(session.type.name) at \(mountpoint) has no report '\(topic)'\n"
        } catch {
            return "error: the report failed: \(error)\n"
        }
    }

    /// The `report` command line asking the mount at `mountpoint` for `topic`; nil when the mount point holds a tab
    /// or a newline.
    public static func reportCommand(mountpoint: String, topic: String) -> String? {
        guard !(mountpoint + topic).contains(where: { $0 == "\t" || $0.isNewline }) else { return nil }
        return ["report", mountpoint, topic].joined(separator: "\t")
    }

    /// The `upgrade` command line for `mountpoint` and the module at `module`; nil when a path holds a tab or a
    /// newline, which the one-line protocol cannot carry.
    public static func upgradeCommand(mountpoint: String, module: String) -> String? {
        guard !(mountpoint + module).contains(where: { $0 == "\t" || $0.isNewline }) else { return nil }
        return ["upgrade", mountpoint, module].joined(separator: "\t")
    }

    /// The `trace` command line for `mountpoint` with `filter`; nil when the mount point holds a tab or a newline.
    public static func traceCommand(mountpoint: String, filter: RequestTracer.Filter) -> String? {
        guard !mountpoint.contains(where: { $0 == "\t" || $0.isNewline }) else { return nil }
        return ["trace", mountpoint, filter.opcodes.sorted().joined(separator: ","), filter.pid.map(String.init) ?? ""]
            .joined(separator: "\t")
    }

    /// The mount point and filter of a `trace` command line; nil for any other line.
    static func parseTrace(_ command: String) -> (String, RequestTracer.Filter)? {
        let fields = command.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 4, fields[0] == "trace" else { return nil }
        let opcodes = Set(fields[2].split(separator: ",").map { $0.uppercased() })
        return (fields[1], RequestTracer.Filter(opcodes: opcodes, pid: UInt32(fields[3])))
    }

    /// Sends `session`'s requests that pass `filter` to `client` until the client leaves or the mount ends.
    private func stream(_ session: Session, filter: RequestTracer.Filter, to client: StreamSocket) {
        let tracer = session.dispatcher.tracer
        let subscription = tracer.subscribe(filter)
        defer { tracer.unsubscribe(subscription) }
        do throws(Errno) {
            try client.write(Array("# tracing \(session.mountpoint)\n".utf8))
            while registry.session(at: session.mountpoint) === session {
                let (events, dropped) = subscription.take(waitingAtMost: .seconds(1))
                var text = events.map { $0.jsonLine + "\n" }.joined()
                if dropped > 0 { text += "# dropped \(dropped)\n" }
                try client.write(Array((text.isEmpty ? "#\n" : text).utf8))
            }
            try client.write(Array("# ended\n".utf8))
        } catch {
            return  // the client went away
        }
    }

    /// Sends `command` to the daemon listening at `path` and hands each line of its answer to `line` as it comes,
    /// until the daemon closes or `line` returns false.
    public static func follow(_ command: String, to path: String, _ line: (String) -> Bool) throws(Errno) {
        let socket = try StreamSocket.connect(to: path)
        try socket.write(Array((command + "\n").utf8))
        var pending: [UInt8] = []
        while true {
            let chunk = try socket.read()
            if chunk.isEmpty { return }
            pending += chunk
            while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                guard line(String(decoding: pending[..<end], as: UTF8.self)) else { return }
                pending.removeSubrange(...end)
            }
        }
    }

    /// Sends `command` to the daemon listening at `path` and returns its answer.
    public static func send(_ command: String, to path: String) throws(Errno) -> String {
        let socket = try StreamSocket.connect(to: path)
        try socket.write(Array((command + "\n").utf8))
        return String(decoding: try socket.readAll(), as: UTF8.self)
    }
}
