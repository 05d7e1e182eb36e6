import BentoKit
import FUSEWire

/// What INIT settled between the kernel and the file system; the transport sizes its buffers from it.
public struct Negotiation: Sendable, Hashable {
    /// The protocol minor version both sides speak (major is always 7).
    public var protocolMinor: UInt32
    /// The largest write the kernel will send, in bytes (`max_write`).
    public var maximumWrite: UInt32
    /// The largest readahead, in bytes.
    public var maximumReadahead: UInt32
    /// The capabilities enabled: offered by the kernel and wanted by the file system (and the mount options).
    public var capabilities: Capabilities
    /// The INIT flags sent to the kernel.
    public var flags: InitFlags

    /// Whether requests will come through FUSE over io_uring: the kernel offered it and the mount asked for it.
    public var usesIOURing: Bool { flags.contains(.overIOURing) }
    /// Whether open files may be passed through to backing files (`FUSE_PASSTHROUGH`).
    public var usesPassthrough: Bool { flags.contains(.passthrough) }
}

// INIT and DESTROY: the start and end of a session.
extension Dispatcher {
    /// What a file system gets unless its `initialize` says otherwise.
    static let defaultCapabilities: Capabilities = [
        .asyncRead, .bigWrites, .parallelDirectoryOperations, .readdirPlus, .readdirPlusAuto,
        .autoInvalidateData, .atomicOpenTruncate, .nanosecondTimes, .cacheSymlinks,
    ]
    /// Background requests the kernel may have queued (`max_background`).
    static let maximumBackground: UInt16 = 64
    /// Queued background requests at which the kernel reports congestion (`congestion_threshold`).
    static let congestionThreshold: UInt16 = 48

    /// Negotiates the session: checks the version, lets the file system choose, records and answers the result.
    /// A newer major version gets ours back (the kernel retries with it); an older one, a minor before 7.12
    /// or a second INIT answer `EPROTO`.
    func initialize(_ arguments: InitArguments) throws(Errno) -> ReplyBody {
        if arguments.major > WireLayout.protocolMajor {
            return .protocolVersion(major: WireLayout.protocolMajor, minor: WireLayout.protocolMinor)
        }
        guard arguments.major == WireLayout.protocolMajor, arguments.minor >= WireLayout.oldestMinor else {
            throw .protocolError
        }
        return try negotiation.withLock { negotiated throws(Errno) -> ReplyBody in
            guard negotiated == nil else { throw .protocolError }
            let (reply, enabled) = try negotiate(arguments)
            negotiated = Negotiation(
                protocolMinor: reply.minor, maximumWrite: reply.maximumWrite, maximumReadahead: reply.maximumReadahead,
                capabilities: enabled, flags: reply.flags)
            if enabled.contains(.passthrough) { passthroughOpens?.enable() }
            sessionFlags.store(reply.flags.rawValue, ordering: .releasing)
            phase.store(Phase.running.rawValue, ordering: .releasing)
            return .initialize(reply)
        }
    }

    /// Builds the `Connection` with the mount's writeback choice forced, lets the file system adjust it, applies
    /// the passthrough option and turns the result into `fuse_init_out` and the capabilities enabled.
    private func negotiate(_ arguments: InitArguments) throws(Errno) -> (InitReply, Capabilities) {
        let minor = min(arguments.minor, WireLayout.protocolMinor)
        var connection = Connection(
            protocolVersion: (WireLayout.protocolMajor, minor), offered: arguments.offeredCapabilities,
            wanted: Self.defaultCapabilities, maximumWrite: WireLayout.maximumWrite,
            maximumReadahead: arguments.maximumReadahead, isReadOnly: options.readOnly)
        // The mount's -o writeback/nowriteback wins over the file system, which sees the outcome in `enabled`
        // while it initializes (it must know whether the kernel caches its writes).
        switch options.writebackCache {
        case true?: connection.forcedOn.insert(.writebackCache)
        case false?: connection.forcedOff.insert(.writebackCache)
        case nil: break
        }
        try fileSystem.initialize(&connection)
        adopt(connection.cachePolicy)
        settlePassthrough(&connection)
        let enabled = connection.enabled
        var flags = InitFlags(enabled)
        flags.formUnion(arguments.flags.intersection([.maximumPages, .initExtended]))
        // The session settles `auto` before mounting (`Transport.prepare`); only a settled `uring` asks for the ring.
        if options.transport == .uring { flags.formUnion(arguments.flags.intersection(.overIOURing)) }
        let reply = InitReply(
            major: WireLayout.protocolMajor, minor: minor,
            maximumReadahead: min(arguments.maximumReadahead, connection.maximumReadahead),
            flags: flags, maximumBackground: Self.maximumBackground, congestionThreshold: Self.congestionThreshold,
            maximumWrite: min(max(connection.maximumWrite, WireLayout.minimumWrite), WireLayout.maximumWrite),
            timeGranularity: enabled.contains(.nanosecondTimes) ? 1 : 1_000_000_000,
            maximumPages: WireLayout.maximumPages, maximumStackDepth: Self.stackDepth(of: connection))
        return (reply, enabled)
    }

    /// Ends the session: the file system's `destroy` runs once, however many DESTROYs arrive.
    func destroy() {
        let (ended, _) = phase.compareExchange(
            expected: Phase.running.rawValue, desired: Phase.destroyed.rawValue, ordering: .acquiringAndReleasing)
        if ended { fileSystem.destroy() }
    }

    /// Ends service while the kernel still holds the mount (a signal arrived with files open): closes the gate,
    /// waits for the requests inside, and destroys the file system once, so it flushes what it holds. Requests
    /// arriving afterwards find the session ended and are answered EIO.
    public func drainAndDestroy() {
        gate.exclusively { _ in
            let previous = phase.exchange(Phase.destroyed.rawValue, ordering: .acquiringAndReleasing)
            if previous != Phase.destroyed.rawValue { fileSystem.destroy() }
        }
    }

    /// Calls the file system's `destroy` unless a DESTROY request already did (the session ended without one).
    func destroyUnlessDestroyed() {
        gate.enter()
        defer { gate.leave() }
        let previous = phase.exchange(Phase.destroyed.rawValue, ordering: .acquiringAndReleasing)
        if previous != Phase.destroyed.rawValue { fileSystem.destroy() }
    }
}
