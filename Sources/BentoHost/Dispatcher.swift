import BentoKit
import FUSEWire
import Foundation
import Logging
import Synchronization

/// The protocol server: turns one request, exactly as read from `/dev/fuse`, into the bytes of its reply,
/// calling the file system in between. It knows nothing of the device; the transport reads and writes.
///
/// Safe to call from many worker threads at once. Every request is decoded and validated before the file
/// system sees it: malformed requests answer `EINVAL`, unknown opcodes `ENOSYS`, anything before INIT `EIO`,
/// and an `Errno` thrown by the file system becomes the reply's error. Nothing a request holds can trap.
///
/// State: the session phase and lookup count are atomics, the negotiation sits behind a mutex taken only
/// by INIT and by readers of `negotiated`, and in-flight requests live in a sharded table (`InFlightRequests`).
/// The file system sits behind a gate every request passes, so that a live upgrade can swap it
/// (`Dispatcher+Upgrade.swift`).
public final class Dispatcher: Sendable {
    /// The file system and the gate requests pass to reach it.
    let gate: FileSystemGate
    /// The mount's options (read-only, writeback cache).
    let options: MountOptions
    /// Where the session is: `Phase` raw values.
    let phase = Atomic<UInt8>(Phase.awaitingInit.rawValue)
    /// What INIT settled, once it has run.
    let negotiation = Mutex<Negotiation?>(nil)
    /// The INIT flags sent to the kernel (0 before INIT), read by every request without the negotiation's lock:
    /// some change how requests are laid out (`FUSE_SETXATTR_EXT`) or what they mean (`FUSE_DONT_MASK`).
    let sessionFlags = Atomic<UInt64>(0)
    /// Entries handed to the kernel minus the lookups it forgot.
    let lookups = Atomic<Int64>(0)
    /// Requests being served, for INTERRUPT.
    let inFlight = InFlightRequests()
    /// Requests received, per opcode.
    let counters = RequestCounters()
    /// How long each request took to serve, per opcode (`bento stats`).
    let latencies = RequestLatencies()
    /// Who watches the requests as they are served (`bento trace`).
    public let tracer = RequestTracer()
    /// The file system's cache policy, published once by INIT (`Dispatcher+CachePolicy.swift`).
    let cachePolicy = AtomicLazyReference<CachePolicyBox>()
    /// Open files passed through to backing files (`Dispatcher+Passthrough.swift`); nil without a way to register them.
    let passthroughOpens: PassthroughOpens?
    /// Where the session's decisions and refusals are reported.
    let logger: Logger

    /// The stages of a session.
    enum Phase: UInt8 {
        /// Only INIT is accepted.
        case awaitingInit
        /// INIT is done; every request is served.
        case running
        /// DESTROY has run; nothing more is served.
        case destroyed
    }

    /// A server for `fileSystem` mounted with `options`, passing open files through to backing files registered
    /// with `backingFiles` where the kernel and the file system agree (none without it).
    public init(fileSystem: any FileSystem, options: MountOptions, backingFiles: (any BackingFiles)? = nil,
                logger: Logger = Logger(label: "bento.dispatcher")) {
        self.gate = FileSystemGate(fileSystem)
        self.options = options
        self.passthroughOpens = backingFiles.map { PassthroughOpens(files: $0, logger: logger) }
        self.logger = logger
    }

    /// The file system requests are served from; read it only while serving a request or holding the gate.
    var fileSystem: any FileSystem { gate.fileSystem }

    /// What INIT settled with the kernel, or nil before INIT.
    public var negotiated: Negotiation? { negotiation.withLock { $0 } }

    /// True once DESTROY has run (the file system's `destroy` has been called).
    public var isDestroyed: Bool { phase.load(ordering: .acquiring) == Phase.destroyed.rawValue }

    /// Entries handed to the kernel (lookup, mknod, mkdir, symlink, link, create, readdirplus) minus forgets.
    public var outstandingLookups: Int64 { lookups.load(ordering: .relaxed) }

    /// Serves one request: `request` holds exactly the bytes one read of `/dev/fuse` returned. Returns the
    /// reply to write, or nil when none is due: FORGET, BATCH_FORGET, INTERRUPT, or a buffer too short to
    /// hold a request id (or holding id 0, which the kernel reserves for notifications). With `replyBuffer`, a
    /// READ that fits writes its data there (`Reply.payloadInPlace`).
    public func handle(_ request: UnsafeRawBufferPointer, replyBuffer: ReplyBuffer? = nil) -> Reply? {
        guard let (opcode, unique) = RequestHeader.peek(request), unique != 0 else { return nil }
        counters.record(opcode)
        let arrived = ContinuousClock.now
        let (reply, decoded, errno) = respond(to: request, opcode: opcode, unique: unique, replyBuffer: replyBuffer)
        let latency = ContinuousClock.now - arrived
        latencies.record(opcode, nanoseconds: UInt64(clamping: latency.nanoseconds))
        if tracer.isActive {
            let wallClock = Date(timeIntervalSinceNow: -Double(latency.nanoseconds) / 1e9)
            tracer.publish(TraceEvent(arrived: wallClock, latency: latency, opcode: opcode, unique: unique,
                                      decoded: decoded, errno: errno))
        }
        return reply
    }

    /// Decodes and serves one request: the reply (nil when none is due), the request as decoded (nil when it did
    /// not decode) and the errno it ended with (0 for success).
    private func respond(to request: UnsafeRawBufferPointer, opcode: UInt32, unique: UInt64,
                         replyBuffer: ReplyBuffer?) -> (Reply?, DecodedRequest?, Int32) {
        let expectsReply = Opcode.expectsReply(opcode)
        let decoded: DecodedRequest
        let flags = InitFlags(rawValue: sessionFlags.load(ordering: .acquiring))
        do {
            decoded = try RequestDecoder.decode(request, extendedSetxattr: flags.contains(.setxattrExtended))
        } catch {
            return (expectsReply ? Self.failure(error.errno, unique: unique) : nil, nil, error.errno.rawValue)
        }
        let body: ReplyBody?
        do {
            body = try serveAcrossUpgrades(decoded, request, replyBuffer, leavesUmask: flags.contains(.dontMask))
        } catch {
            return (expectsReply ? Self.failure(error, unique: unique) : nil, decoded, error.rawValue)
        }
        guard let body, expectsReply else { return (nil, decoded, 0) }
        let (head, payload) = ReplyEncoder.encode(body, unique: unique, policy: policy)
        if case .dataInPlace(let count) = body { return (Reply(head: head, payloadInPlace: count), decoded, 0) }
        return (Reply(head: head, payload: payload), decoded, 0)
    }

    /// Serves a request inside the gate; one the file system asks to retry (it is preparing to hand over) runs
    /// again once the upgrade is over, on the version serving then.
    private func serveAcrossUpgrades(_ decoded: DecodedRequest, _ bytes: UnsafeRawBufferPointer,
                                     _ replyBuffer: ReplyBuffer?, leavesUmask: Bool) throws(Errno) -> ReplyBody? {
        for _ in 0..<Self.retriesAfterUpgrade {
            gate.enter()
            do {
                defer { gate.leave() }
                return try serve(decoded, bytes, replyBuffer, leavesUmask: leavesUmask)
            } catch .retryAfterUpgrade {
                gate.waitForUpgrade()
            }
        }
        throw .ioError  // a file system that keeps asking: never send the internal code to the kernel
    }

    /// How often one request may be retried across upgrades.
    private static let retriesAfterUpgrade = 1000

    /// Admits a request to the session phase it arrived in, then serves it; nil for requests without reply.
    /// Requests that reach the file system are registered as in flight, so that INTERRUPT can find them.
    /// `bytes` is the request `decoded` came from (a WRITE's data is read there); `leavesUmask` says the session
    /// negotiated FUSE_DONT_MASK, so the file system gets the caller's umask with a new object.
    private func serve(_ decoded: DecodedRequest, _ bytes: UnsafeRawBufferPointer,
                       _ replyBuffer: ReplyBuffer?, leavesUmask: Bool) throws(Errno) -> ReplyBody? {
        let header = decoded.header
        if case .initialize(let arguments) = decoded.operation { return try initialize(arguments) }
        guard phase.load(ordering: .acquiring) == Phase.running.rawValue else { throw .ioError }
        switch decoded.operation {
        case .interrupt(let target):
            inFlight.interrupt(target)
            return nil
        case .forget(let count):
            forget(header.nodeID, count: count)
            return nil
        case .batchForget(let items):
            for item in items { forget(item.inode, count: item.count) }
            return nil
        case .destroy:
            destroy()
            return .empty
        case let operation:
            let interruption = inFlight.begin(header.unique)
            defer { inFlight.end(header.unique) }
            let request = Request(unique: header.unique, uid: header.uid, gid: header.gid, pid: header.pid,
                                  umask: leavesUmask ? operation.umask : 0, interruption: interruption)
            return try perform(operation, on: header.nodeID, for: request, in: bytes, replyBuffer: replyBuffer)
        }
    }

    /// The kernel dropped `count` lookups of `inode`.
    private func forget(_ inode: Inode, count: UInt64) {
        lookups.wrappingSubtract(Int64(truncatingIfNeeded: count), ordering: .relaxed)
        fileSystem.forget(inode, count: count)
    }

    /// An error reply.
    static func failure(_ errno: Errno, unique: UInt64) -> Reply {
        Reply(head: ReplyEncoder.encodeError(errno, unique: unique))
    }

    /// Counts one lookup handed to the kernel and passes the entry on.
    func counted(_ entry: Entry) -> Entry {
        lookups.wrappingAdd(1, ordering: .relaxed)
        return entry
    }
}
