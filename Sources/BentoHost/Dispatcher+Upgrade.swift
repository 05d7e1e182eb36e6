import BentoKit
import FUSEWire

// Live upgrade, the paper's steps on one mount: stop admitting requests and wait for those in flight, let the
// running file system prepare its state, build the new version from it, swap, admit requests again. Kernel
// requests wait in `/dev/fuse` (or in the gate) meanwhile, so no application sees an error; a failure at any
// step reopens the gate with the old version still serving.
/// Where an upgrade's pause went: waiting for the requests in flight to leave, the old version's
/// `prepareUpgrade`, and the new version's start (resume and `initialize`). They add up to `total`. Before the
/// pause, `quiesce` is the old version's `beginUpgrade` (requests still served; only calls it holds back wait).
public struct UpgradePause: Sendable, Hashable, CustomStringConvertible {
    /// The running version's `beginUpgrade`, before the gate closed.
    public var quiesce: Duration = .zero
    /// From closing the gate to the last request in flight leaving it.
    public var drain: Duration
    /// The running version preparing its state.
    public var prepare: Duration
    /// The new version starting from the state.
    public var resume: Duration
    /// How long no request was admitted.
    public var total: Duration { drain + prepare + resume }

    /// `drain 120 us, prepare 40 us, resume 300 us; quiesce 900 us before`.
    public var description: String {
        "drain \(drain.microseconds) us, prepare \(prepare.microseconds) us, resume \(resume.microseconds) us; "
            + "quiesce \(quiesce.microseconds) us before"
    }
}

extension Duration {
    /// Whole microseconds.
    public var microseconds: Int64 { components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000 }
    /// Whole nanoseconds.
    public var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}

extension Dispatcher {
    /// Replaces the file system, which `running` made, with the one `successor` resumes from its state, with no
    /// request running; `source` is what the mount serves. Returns how long requests were held back, by phase.
    /// On failure the running file system keeps serving and the error says why.
    public func upgrade(from running: any FileSystemModule, to successor: any FileSystemModule,
                        source: String) throws(HostError) -> UpgradePause {
        guard !isDestroyed else { throw HostError("the mount is ending; nothing to upgrade") }
        var resumed = ContinuousClock.now
        let swap = try swapping(from: running) { state throws(HostError) -> (any FileSystem)? in
            let next: any FileSystem
            do { next = try successor.resume(from: state, source: source, options: options.moduleOptions) } catch {
                throw HostError("\(successor.name) \(successor.version) refused the state: \(error)")
            }
            do { try introduce(next) } catch {
                successor.retire(next)
                throw HostError("\(successor.name) \(successor.version) refused the session: \(error)")
            }
            resumed = ContinuousClock.now
            return next
        }
        running.retire(swap.served)
        return UpgradePause(quiesce: swap.closing - swap.start, drain: swap.drained - swap.closing,
                            prepare: swap.prepared - swap.drained, resume: resumed - swap.prepared)
    }

    /// What every swap of the running file system shares (a live upgrade, a daemon handoff): `running.beginUpgrade`
    /// with the gate still open, then the gate closed and the calls in flight waited for, then the state of the file
    /// system `running` made given to `use` with the gate still closed (the file system `use` returns, if any,
    /// replaces the running one before the gate reopens). Returns
    /// the file system that served until then and when each step began or ended. On failure the running file system
    /// goes on (`cancelUpgrade`, before the gate reopens: calls retried after the upgrade find it serving).
    func swapping(from running: any FileSystemModule,
                  _ use: (UpgradeState) throws(HostError) -> (any FileSystem)?)
        throws(HostError) -> (served: any FileSystem, start: ContinuousClock.Instant, closing: ContinuousClock.Instant,
                              drained: ContinuousClock.Instant, prepared: ContinuousClock.Instant) {
        let clock = ContinuousClock()
        let start = clock.now
        var closing = start
        let preparing = {
            running.beginUpgrade(of: self.fileSystem)
            closing = clock.now
        }
        return try gate.exclusively(preparing: preparing) { replace throws(HostError) in
            let drained = clock.now
            let current = fileSystem
            do throws(HostError) {
                let state: UpgradeState
                do { state = try running.prepareUpgrade(of: current) } catch { throw HostError("\(error)") }
                let prepared = clock.now
                if let next = try use(state) { replace(next) }
                return (current, start, closing, drained, prepared)
            } catch {
                running.cancelUpgrade(of: current)
                throw error
            }
        }
    }

    /// Tells a new version what INIT settled, through its `initialize`, offering exactly the capabilities in
    /// force (the kernel cannot renegotiate). Before INIT there is nothing to tell: INIT will call it.
    private func introduce(_ successor: any FileSystem) throws(Errno) {
        guard let negotiated else { return }
        var connection = connection(settledBy: negotiated)
        try successor.initialize(&connection)
    }

    /// The connection `negotiated` settled, as a file system's `initialize` sees it: exactly the capabilities in
    /// force offered and wanted.
    func connection(settledBy negotiated: Negotiation) -> Connection {
        Connection(
            protocolVersion: (WireLayout.protocolMajor, negotiated.protocolMinor), offered: negotiated.capabilities,
            wanted: negotiated.capabilities, maximumWrite: negotiated.maximumWrite,
            maximumReadahead: negotiated.maximumReadahead, isReadOnly: options.readOnly)
    }
}
