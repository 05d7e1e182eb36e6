import BentoKit
import BentoSystem
import Foundation

// A daemon handoff: a new process (a new `bento` binary) takes a live mount over from the daemon serving it, and
// the kernel never sees the change. The mount lives as long as one descriptor of its `/dev/fuse` session is open
// anywhere, so the old daemon passes that descriptor (SCM_RIGHTS) with the file system's upgrade state and the
// session INIT settled; the new one resumes the file system from the state and serves on.
//
// Protocol, on the old daemon's control socket (`ControlServer`, command `handoff<TAB>MOUNTPOINT`):
//   old: stops its /dev/fuse workers between requests (ThreadInterrupt ends their blocked reads; every request
//        read has been answered, so none is left in this process: the kernel keeps the rest queued), quiesces and
//        drains the file system as a live upgrade does, takes its state, and sends
//        `state<TAB>LENGTH<TAB>DESCRIPTORS\n`, one byte carrying the descriptors, then LENGTH bytes (`HandoffState`)
//   new: resumes the file system from the state and adopts the session, then answers `ok\n` (or `error: why\n`)
//   old: retires the file system (it never touches it again) and answers
//        `bye<TAB>stop-µs<TAB>drain-µs<TAB>prepare-µs<TAB>transfer-µs\n`, then exits without unmounting
//   new: starts its workers once it has `bye` (or the old daemon is gone), and serves.
// Any failure before the old daemon read `ok` (the new binary crashes, refuses the state, stays silent for
// `answerTimeout`) leaves the old daemon serving: it shuts the socket (so a late `ok` cannot be written), lets
// the file system go on (`cancelUpgrade`) and restarts its workers. A new daemon that finds the socket shut
// without `bye` while the old daemon still runs exits without serving.
// Not handed over: a mount served through FUSE over io_uring (the kernel ties each ring entry to the process that
// registered it and has no way back to /dev/fuse: fs/fuse/dev_uring.c), a mount with files passed through, and a
// type that is not a module (it has no upgrade state).

/// What a daemon handoff did, as the new daemon reports it.
public struct HandoffReport: Sendable, CustomStringConvertible {
    /// The mount handed over.
    public let mountpoint: String
    /// The old daemon's process id.
    public let previousProcess: Int32
    /// The type and version serving now.
    public let current: (name: String, version: String)
    /// The old daemon's phases, in microseconds: stopping its workers, quiesce and drain, prepare, transfer.
    public let old: (stop: Int64, drain: Int64, prepare: Int64, transfer: Int64)
    /// The new daemon's part of `old.transfer`: from having the state to its `ok` (the file system resumed, the
    /// session adopted), in microseconds.
    public let resume: Int64
    /// From the new daemon's `ok` to its workers reading, in microseconds.
    public let start: Int64

    /// How long no request was served, in microseconds (the old daemon's phases, then the new one's start).
    public var pause: Int64 { old.stop + old.drain + old.prepare + old.transfer + start }

    public var description: String {
        "\(mountpoint): daemon \(previousProcess) -> \(ProcessInfo.processInfo.processIdentifier) "
            + "(\(current.name) \(current.version)), paused \(pause) us (stop \(old.stop) us, drain \(old.drain) us, "
            + "prepare \(old.prepare) us, transfer \(old.transfer) us, resume \(resume) us, start \(start) us)"
    }
}

extension Session {
    /// How long the old daemon waits for the new one to resume from the state before it serves on itself.
    static let answerTimeout = 10.0
    /// How long the old daemon waits for its workers to finish the requests they hold.
    static let stopTimeout = Duration.seconds(5)

    /// The old daemon's side: hands this mount to the process at the other end of `peer`, with `held`, the
    /// descriptors the daemon keeps for the mount's life, and `pidFile`. Returns once the new daemon has it (the
    /// caller then exits); on failure this daemon serves on and the error says why (the peer has been told).
    func handOff(to peer: StreamSocket, held: [Int32], pidFile: String?) throws(HostError) {
        let module = try currentType.withLock { type throws(HostError) -> any FileSystemModule in
            guard let module = type.module else {
                throw HostError("\(type.name) \(type.version) cannot be handed over (it is not a file-system module)")
            }
            return module
        }
        guard let negotiated = dispatcher.negotiated else { throw HostError("the kernel has not initialized the mount yet") }
        if negotiated.usesIOURing, !ringFellBack.load(ordering: .relaxed) {
            throw HostError("the mount is served through FUSE over io_uring, whose ring entries the kernel ties to the "
                + "process that registered them (it cannot give them to another): mount with -o transport=dev to "
                + "hand it over")
        }
        guard !negotiated.usesPassthrough else { throw HostError("a mount that passes files through cannot be handed over yet") }
        guard isServing else { throw HostError("the mount is not serving") }

        workers.enter()  // the workers stop for a while: `wait` must not take that for the end of the mount
        defer { workers.leave() }
        let clock = ContinuousClock()
        let stopping = clock.now
        guard stopDeviceWorkers(within: Self.stopTimeout) else {
            try? restartDeviceWorkers()
            throw HostError("the workers did not finish their requests within \(Self.stopTimeout)")
        }
        var pause = HandoffPause(stop: clock.now - stopping)
        do {
            try dispatcher.handOff(from: module, into: &pause) { state throws(HostError) in
                try send(state, negotiated: negotiated, held: held, pidFile: pidFile, to: peer)
            }
        } catch {
            peer.shutDown()
            try? restartDeviceWorkers()
            logger.warning("\(mountpoint): handoff failed, serving on: \(error)")
            throw error
        }
        state.withLock { $0 = .handedOver }
        let times = [pause.stop, pause.drain, pause.prepare, pause.transfer].map { String($0.microseconds) }
        try? peer.write(Array((["bye"] + times).joined(separator: "\t").appending("\n").utf8))
        logger.info("\(mountpoint): handed over to process \(peer.peerProcessID.map(String.init) ?? "?")")
    }

    /// Sends the handoff state and descriptors and waits for the new daemon's `ok`.
    private func send(_ fileSystem: UpgradeState, negotiated: Negotiation, held: [Int32], pidFile: String?,
                      to peer: StreamSocket) throws(HostError) {
        let handoff = HandoffState(
            mountpoint: mountpoint, source: source, typeName: type.name, optionList: options.list,
            fsName: options.fsName, requestedTransport: requestedTransport, negotiation: negotiated,
            lookups: dispatcher.outstandingLookups, pidFile: pidFile, fileSystem: fileSystem, heldCount: held.count)
        let bytes = handoff.encoded
        let descriptors = handoff.descriptors(fuse: channel.descriptor, held: held)
        do throws(Errno) {
            try peer.write(Array("state\t\(bytes.count)\t\(descriptors.count)\n".utf8))
            try DescriptorPassing.send(descriptors, over: peer.descriptor)
            try peer.write(bytes)
        } catch {
            throw HostError("sending the state to the new daemon failed: \(error)")
        }
        peer.setReceiveTimeout(seconds: Self.answerTimeout)
        let answer = String(decoding: (try? peer.readLine()) ?? [], as: UTF8.self)
        guard answer == "ok" else {
            throw HostError(answer.isEmpty ? "the new daemon did not answer (it exited, or took over \(Int(Self.answerTimeout)) s)"
                                           : "the new daemon refused: \(answer.replacingOccurrences(of: "error: ", with: ""))")
        }
    }

    /// Asks the `/dev/fuse` workers to stop between requests and interrupts their blocked reads until every one
    /// has stopped; false if some still hold a request after `timeout`.
    func stopDeviceWorkers(within timeout: Duration) -> Bool {
        workersStopping.store(true, ordering: .releasing)
        let deadline = ContinuousClock.now + timeout
        while true {
            let reading = deviceWorkers.withLock { $0 }
            if reading.isEmpty { return true }
            guard ContinuousClock.now < deadline else { return false }
            // A signal that lands just before a worker enters read(2) is lost: send again until it answers.
            for thread in reading { ThreadInterrupt.interrupt(thread) }
            Thread.sleep(forTimeInterval: 0.0001)
        }
    }

    /// Starts `/dev/fuse` workers again after a handoff that did not happen, as many as are missing.
    func restartDeviceWorkers() throws(HostError) {
        let running = deviceWorkers.withLock { $0.count }
        workersStopping.store(false, ordering: .releasing)
        var channels: [Channel] = []
        for _ in running..<max(1, workerCount) { channels.append(try channel.clone()) }
        startWorkers(on: channels, numberedFrom: running)
    }
}
