import BentoKit

// A daemon handoff seen from the dispatcher (Session+Handoff.swift has the protocol). The old daemon's side is a
// live upgrade whose new version lives in another process: with no worker reading, quiesce, close the gate, take
// the running file system's state and give it away; once the new daemon has taken it, the file system is retired
// and this dispatcher never serves again (its phase says destroyed, so no signal's clean-up flushes it either).
// The new daemon's side adopts the session INIT settled, which the kernel will not send again.

/// Where a handoff's pause went on the old daemon's side.
struct HandoffPause: Sendable {
    /// Waiting for the workers to finish the requests they held and stop reading.
    var stop: Duration = .zero
    /// The running version's quiesce and the gate's drain.
    var drain: Duration = .zero
    /// The running version preparing its state.
    var prepare: Duration = .zero
    /// Sending the state and waiting for the new daemon to resume from it.
    var transfer: Duration = .zero
}

extension Dispatcher {
    /// Takes the state of the file system `running` made and hands it to `transfer` (which returns once the new
    /// daemon has resumed from it, or throws); then retires the file system. On failure the running file system
    /// goes on (`cancelUpgrade`) and the error says why. Call with no request being served.
    func handOff(from running: any FileSystemModule, into pause: inout HandoffPause,
                 _ transfer: (UpgradeState) throws(HostError) -> Void) throws(HostError) {
        guard !isDestroyed else { throw HostError("the mount is ending; nothing to hand over") }
        var transferred = ContinuousClock.now
        let swap = try swapping(from: running) { state throws(HostError) -> (any FileSystem)? in
            try transfer(state)
            transferred = ContinuousClock.now
            phase.store(Phase.destroyed.rawValue, ordering: .releasing)
            return nil
        }
        pause.drain = swap.drained - swap.start
        pause.prepare = swap.prepared - swap.drained
        pause.transfer = transferred - swap.prepared
        running.retire(swap.served)
    }

    /// Serves on from the session another daemon negotiated: tells the file system through `initialize` (as a
    /// live upgrade's new version is told), takes its cache policy, and counts the lookups the kernel holds.
    func adopt(_ negotiated: Negotiation, lookups: Int64) throws(Errno) {
        var connection = connection(settledBy: negotiated)
        try fileSystem.initialize(&connection)
        adopt(connection.cachePolicy)
        negotiation.withLock { $0 = negotiated }
        if negotiated.usesPassthrough { passthroughOpens?.enable() }
        sessionFlags.store(negotiated.flags.rawValue, ordering: .releasing)
        self.lookups.store(lookups, ordering: .relaxed)
        phase.store(Phase.running.rawValue, ordering: .releasing)
    }
}
