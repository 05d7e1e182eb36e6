import BentoKit
import FUSEWire

// Live upgrade, the paper's steps on one mount: stop admitting requests and wait for those in flight, let the
// running file system prepare its state, build the new version from it, swap, admit requests again. Kernel
// requests wait in `/dev/fuse` (or in the gate) meanwhile, so no application sees an error; a failure at any
// step reopens the gate with the old version still serving.
extension Dispatcher {
    /// Replaces the file system, which `running` made, with the one `successor` resumes from its state, with no
    /// request running; `source` is what the mount serves. Returns how long requests were held back. On failure
    /// the running file system keeps serving and the error says why.
    public func upgrade(from running: any FileSystemModule, to successor: any FileSystemModule,
                        source: String) throws(HostError) -> Duration {
        guard !isDestroyed else { throw HostError("the mount is ending; nothing to upgrade") }
        let clock = ContinuousClock()
        let start = clock.now
        let retired = try gate.exclusively { replace throws(HostError) -> any FileSystem in
            let current = fileSystem
            let state: UpgradeState
            do { state = try running.prepareUpgrade(of: current) } catch { throw HostError("\(error)") }
            let next: any FileSystem
            do { next = try successor.resume(from: state, source: source, options: options.moduleOptions) } catch {
                throw HostError("\(successor.name) \(successor.version) refused the state: \(error)")
            }
            do { try introduce(next) } catch {
                successor.retire(next)
                throw HostError("\(successor.name) \(successor.version) refused the session: \(error)")
            }
            replace(next)
            return current
        }
        let pause = clock.now - start
        running.retire(retired)
        return pause
    }

    /// Tells a new version what INIT settled, through its `initialize`, offering exactly the capabilities in
    /// force (the kernel cannot renegotiate). Before INIT there is nothing to tell: INIT will call it.
    private func introduce(_ successor: any FileSystem) throws(Errno) {
        guard let negotiated else { return }
        var connection = Connection(
            protocolVersion: (WireLayout.protocolMajor, negotiated.protocolMinor), offered: negotiated.capabilities,
            wanted: negotiated.capabilities, maximumWrite: negotiated.maximumWrite,
            maximumReadahead: negotiated.maximumReadahead, isReadOnly: options.readOnly)
        try successor.initialize(&connection)
    }
}
