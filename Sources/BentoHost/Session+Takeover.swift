import BentoKit
import BentoSystem
import Foundation
import Logging

// The new daemon's side of a handoff (Session+Handoff.swift has the protocol): ask the old daemon for the mount,
// resume its file system from the state with this build's module of the same type, adopt the session, and start
// serving once the old daemon has let go.

/// A mount taken over from another daemon, not yet serving (`Session.takeOver`).
public struct TakenOver: Sendable {
    /// The session; `Registry.adopt` starts it.
    public let session: Session
    /// What the handoff did.
    public let report: HandoffReport
    /// Descriptors the old daemon held for the mount's life (an image lock): keep them open.
    public let held: [Int32]
    /// Where the old daemon wrote its process id, to be written again.
    public let pidFile: String?
}

extension Session {
    /// Asks the daemon listening at `socketPath` for its mount at `mountpoint` and takes it over with the type of
    /// the same name in `registry`. On failure the old daemon serves on and the error says why.
    public static func takeOver(_ mountpoint: String, from socketPath: String, registry: Registry,
                                logger: Logger = Logger(label: "bento.session")) throws(HostError) -> TakenOver {
        let peer: StreamSocket
        do { peer = try StreamSocket.connect(to: socketPath) } catch {
            throw HostError("cannot reach the daemon at \(socketPath): \(error)")
        }
        guard let command = ControlServer.handoffCommand(mountpoint: mountpoint) else {
            throw HostError("mount points holding a tab or a newline are not supported")
        }
        let oldProcess = peer.peerProcessID ?? 0
        // Before the pause: this process's first resume would otherwise pay for its cold code and metadata.
        for type in registry.registeredTypes { type.module?.warmUp() }
        let (handoff, fuse, held) = try receiveState(command, from: peer)
        let clock = ContinuousClock()
        let received = clock.now
        let session: Session
        do {
            session = try resume(handoff, fuse: fuse, registry: registry, logger: logger)
        } catch {
            try? peer.write(Array("error: \(error)\n".utf8))
            for descriptor in held + handoff.fileSystem.descriptors { DescriptorPassing.close(descriptor) }
            throw error
        }
        for descriptor in handoff.fileSystem.descriptors { DescriptorPassing.close(descriptor) }  // the module kept duplicates
        let committed = clock.now  // before the write: a thread preempted after it would count its wait twice over
        do { try peer.write(Array("ok\n".utf8)) } catch {
            session.retireFileSystem()
            throw HostError("the old daemon stopped waiting for this one; it serves on")
        }
        let resumed = (committed - received).microseconds
        let bye = String(decoding: (try? peer.readLine()) ?? [], as: UTF8.self).split(separator: "\t").map(String.init)
        if bye.first != "bye", oldProcess != 0, HostProcess.exists(oldProcess) {
            session.retireFileSystem()
            throw HostError("the old daemon did not let go of the mount; it serves on")
        }
        let times = bye.dropFirst().compactMap { Int64($0) }
        let old = times.count == 4 ? (times[0], times[1], times[2], times[3]) : (Int64(0), Int64(0), Int64(0), Int64(0))
        let report = HandoffReport(mountpoint: handoff.mountpoint, previousProcess: oldProcess,
                                   current: (session.type.name, session.type.version), old: old, resume: resumed,
                                   start: (clock.now - committed).microseconds)
        return TakenOver(session: session, report: report, held: held, pidFile: handoff.pidFile)
    }

    /// Sends `command` and receives the state, the session's `/dev/fuse` descriptor and the held descriptors.
    private static func receiveState(_ command: String, from peer: StreamSocket)
        throws(HostError) -> (HandoffState, fuse: Int32, held: [Int32]) {
        func io<Value>(_ body: () throws(Errno) -> Value) throws(HostError) -> Value {
            do { return try body() } catch { throw HostError("receiving the mount failed: \(error)") }
        }
        try io { () throws(Errno) in try peer.write(Array((command + "\n").utf8)) }
        let line = String(decoding: try io { () throws(Errno) in try peer.readLine(limit: 65536) }, as: UTF8.self)
        let fields = line.split(separator: "\t").map(String.init)
        guard fields.count == 3, fields[0] == "state", let length = Int(fields[1]), let count = Int(fields[2]),
              (0..<(64 << 20)).contains(length) else {
            throw HostError(line.isEmpty ? "the old daemon closed the connection"
                                         : "the old daemon refused: \(line.replacingOccurrences(of: "error: ", with: ""))")
        }
        let descriptors = DescriptorPassing.receive(count: count, over: peer.descriptor)
        do throws(HostError) {
            var handoff = try HandoffState(decoding: try io { () throws(Errno) in try peer.read(exactly: length) })
            let states = handoff.fileSystem.descriptors.count
            guard descriptors.count == count, count == 1 + states + handoff.heldCount else {
                throw HostError("the old daemon sent \(descriptors.count) descriptors, not \(count)")
            }
            handoff.fileSystem.descriptors = Array(descriptors[1..<(1 + states)])
            return (handoff, descriptors[0], Array(descriptors[(1 + states)...]))
        } catch {
            for descriptor in descriptors { DescriptorPassing.close(descriptor) }
            throw error
        }
    }

    /// Retires the file system this session resumed, which never served: the old daemon serves on, and this
    /// copy must not commit (xv6fs's commit thread) while it does.
    func retireFileSystem() {
        type.module?.retire(dispatcher.fileSystem)
    }

    /// A session serving `handoff`'s mount on `fuse` with its file system resumed by this build.
    private static func resume(_ handoff: HandoffState, fuse: Int32, registry: Registry, logger: Logger) throws(HostError) -> Session {
        let channel = Channel(adopting: fuse)  // closes the descriptor if anything below fails
        let type = try registry.type(named: handoff.typeName)
        guard let module = type.module else { throw HostError("\(type.name) here is not a file-system module") }
        var options: MountOptions
        do { options = try MountOptions(parsing: handoff.optionList) } catch { throw HostError(error.description) }
        options.fsName = handoff.fsName
        options.transport = .dev
        let fileSystem: any FileSystem
        do { fileSystem = try module.resume(from: handoff.fileSystem, source: handoff.source, options: options.moduleOptions) } catch {
            throw HostError("\(module.name) \(module.version) refused the state: \(error)")
        }
        let session = Session(mountpoint: handoff.mountpoint, type: type, source: handoff.source, options: options,
                              requestedTransport: handoff.requestedTransport, fileSystem: fileSystem, channel: channel,
                              logger: logger)
        do { try session.dispatcher.adopt(handoff.negotiation, lookups: handoff.lookups) } catch {
            module.retire(fileSystem)
            throw HostError("\(module.name) \(module.version) refused the session: \(error)")
        }
        return session
    }
}
