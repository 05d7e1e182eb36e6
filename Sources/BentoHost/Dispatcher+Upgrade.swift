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
        let clock = ContinuousClock()
        var start = clock.now
        var pause = UpgradePause(drain: .zero, prepare: .zero, resume: .zero)
        let preparing = {
            running.beginUpgrade(of: self.fileSystem)
            let closing = clock.now
            pause.quiesce = closing - start
            start = closing
        }
        let retired = try gate.exclusively(preparing: preparing) { replace throws(HostError) -> any FileSystem in
            let drained = clock.now
            pause.drain = drained - start
            let current = fileSystem
            do throws(HostError) {
                let state: UpgradeState
                do { state = try running.prepareUpgrade(of: current) } catch { throw HostError("\(error)") }
                let prepared = clock.now
                pause.prepare = prepared - drained
                let next: any FileSystem
                do { next = try successor.resume(from: state, source: source, options: options.moduleOptions) } catch {
                    throw HostError("\(successor.name) \(successor.version) refused the state: \(error)")
                }
                do { try introduce(next) } catch {
                    successor.retire(next)
                    throw HostError("\(successor.name) \(successor.version) refused the session: \(error)")
                }
                replace(next)
                pause.resume = clock.now - prepared
                return current
            } catch {
                running.cancelUpgrade(of: current)  // before the gate reopens: retried calls find it serving
                throw error
            }
        }
        running.retire(retired)
        return pause
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
