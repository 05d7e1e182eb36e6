import BentoKit
import BentoSystem
import FUSEWire
import Foundation
import Logging
import Synchronization

/// One live mount: the `/dev/fuse` channel, the worker threads that serve it, and the file system behind it.
///
/// Lifecycle: `Session.mount` attaches the channel to the mount point; `start` launches the workers, each
/// reading its own cloned channel and answering on it (under `transport=uring` the worker that answers INIT then
/// starts the io_uring queues, `Session+URing.swift`); the session ends when the kernel reports the mount gone
/// (`umount`, or `unmount()` on a signal). `wait` blocks until then and calls the file system's `destroy` if the
/// kernel did not send DESTROY.
public final class Session: Sendable {
    /// Where the file system is mounted (absolute path).
    public let mountpoint: String
    /// The file-system type serving the mount (`memfs`, `passthrough`, ...); a live upgrade changes it.
    public var type: FileSystemType { currentType.withLock { $0 } }
    /// What was mounted (an image, a directory, a word).
    public let source: String
    /// The mount options in force, `transport` as settled before mounting: `dev` or `uring`, never `auto`.
    public let options: MountOptions
    /// The transport the mount asked for (`-o transport=`; `auto` unless given).
    public let requestedTransport: Transport
    /// When the mount went live.
    public let started: Date

    let dispatcher: Dispatcher
    /// The session's own `/dev/fuse` descriptor: the first worker reads it, the io_uring queues command it.
    let channel: Channel
    /// Every serving thread (the `/dev/fuse` workers and the io_uring queues); `wait` waits for them all.
    let workers: DispatchGroup
    /// io_uring queues that have registered their entries and not yet ended (`Session+URing.swift`).
    let ringQueuesServing = Atomic<Int>(0)
    /// Whether the file system's failure has been logged (`stateStatus`).
    let failureLogged = Atomic<Bool>(false)
    /// The file system's warnings already logged (`stateStatus`).
    let warningsLogged = Mutex<Set<String>>([])
    /// Set when a mount settled on `uring` ends up served through `/dev/fuse` after all: INIT did not settle the
    /// ring, or a queue could not start (`Session+URing.swift`).
    let ringFellBack = Atomic<Bool>(false)
    /// The `/dev/fuse` workers reading now, to interrupt when they must stop (`stopDeviceWorkers`).
    let deviceWorkers = Mutex<Set<ThreadInterrupt.Thread>>([])
    /// Set while the `/dev/fuse` workers are asked to stop reading (a handoff); each checks it between requests.
    let workersStopping = Atomic<Bool>(false)
    let state = Mutex<State>(.mounted)
    let currentType: Mutex<FileSystemType>
    let logger: Logger

    /// `handedOver`: another process serves the mount now; this one must not touch the file system again.
    enum State { case mounted, serving, ended, handedOver }

    /// Largest request the kernel sends: a 1 MiB write plus its headers, with room to spare.
    static let requestBufferSize = (1 << 20) + (64 << 10)

    init(mountpoint: String, type: FileSystemType, source: String, options: MountOptions,
         requestedTransport: Transport, fileSystem: any FileSystem, channel: Channel, logger: Logger) {
        self.mountpoint = mountpoint
        self.currentType = Mutex(type)
        self.source = source
        self.options = options
        self.requestedTransport = requestedTransport
        self.started = Date()
        var dispatcherLogger = logger
        dispatcherLogger[metadataKey: "mountpoint"] = "\(mountpoint)"
        self.dispatcher = Dispatcher(fileSystem: fileSystem, options: options, backingFiles: channel,
                                     logger: dispatcherLogger)
        self.channel = channel
        self.workers = DispatchGroup()
        self.logger = logger
    }

    /// Mounts `fileSystem` on `mountpoint`. The kernel queues requests until `start` is called. The transport is
    /// settled first (`Transport.prepare`: `auto` becomes `uring` or `dev`; an explicit `uring` that cannot work
    /// here throws before anything is mounted).
    public static func mount(_ fileSystem: any FileSystem, type: FileSystemType, source: String, at mountpoint: String,
                             options: MountOptions, logger: Logger = Logger(label: "bento.session")) throws(HostError) -> Session {
        let path = try Mounter.validatedMountpoint(mountpoint)
        var served = options
        served.transport = try options.transport.prepare(for: path, logger: logger)
        let channel = try Mounter.mount(at: path, source: source, type: type.name, options: served)
        return Session(mountpoint: path, type: type, source: source, options: served,
                       requestedTransport: options.transport, fileSystem: fileSystem, channel: channel, logger: logger)
    }

    /// The number of `/dev/fuse` worker threads: the `threads=` option, else two per core (at least four), or one
    /// under `transport=uring`, where the ring queues serve and `/dev/fuse` carries little.
    public var workerCount: Int {
        options.threads ?? (options.transport == .uring ? 1 : Self.deviceWorkerCount)
    }

    /// The `/dev/fuse` workers a mount served through `/dev/fuse` gets unless `threads=` says otherwise.
    static var deviceWorkerCount: Int { max(4, 2 * ProcessInfo.processInfo.activeProcessorCount) }

    /// Starts the worker threads, each on its own cloned channel (the first uses the session's own).
    public func start() throws(HostError) {
        let proceed = state.withLock { state -> Bool in
            guard case .mounted = state else { return false }
            state = .serving
            return true
        }
        guard proceed else { return }
        try startDeviceWorkers()
        startWatching()
    }

    /// Starts the `/dev/fuse` workers: the first on the session's own channel, the others on clones of it.
    func startDeviceWorkers() throws(HostError) {
        ThreadInterrupt.install()
        var channels = [channel]
        for _ in 1..<max(1, workerCount) { channels.append(try channel.clone()) }
        startWorkers(on: channels, numberedFrom: 0)
    }

    /// Looks at the file system's failure and warnings every two seconds while the mount serves, so that the
    /// daemon's log says when one appears, not only when someone asks `bento status`.
    private func startWatching() {
        let thread = Thread { [weak self] in
            while let session = self, session.isServing {
                _ = session.stateStatus
                Thread.sleep(forTimeInterval: 2)
            }
        }
        thread.name = "bento-watch"
        thread.start()
    }

    /// Starts one worker thread on each of `channels`, named `bento-worker-<n>` from `first` on.
    func startWorkers(on channels: [Channel], numberedFrom first: Int) {
        for (index, channel) in channels.enumerated() {
            workers.enter()
            let thread = Thread { [self] in
                serve(channel)
                workers.leave()
            }
            thread.name = "bento-worker-\(first + index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Blocks until every worker has stopped, then makes sure the file system was destroyed (flushed).
    public func wait() {
        workers.wait()
        finish()
    }

    /// Waits at most `timeout` for the workers to stop; true if they did (the file system is then destroyed).
    public func wait(timeout: Duration) -> Bool {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18
        guard workers.wait(timeout: .now() + seconds) == .success else { return false }
        finish()
        return true
    }

    /// Detaches the mount (lazily); the workers end once the kernel lets go of it.
    public func unmount() throws(HostError) {
        try Mounter.unmount(mountpoint)
    }

    /// What `bento status` shows in its STATE column: `rw`, `ro` (mounted read-only), or `ro(error)` once the file
    /// system stopped taking changes after an error (`FileSystem.failure`; the daemon logs the reason once).
    public var stateStatus: String {
        if let failure = dispatcher.fileSystemFailure {
            if !failureLogged.exchange(true, ordering: .relaxed) { logger.error("\(mountpoint): \(failure)") }
            return "ro(error)"
        }
        let warnings = dispatcher.fileSystemWarnings
        for warning in warnings where warningsLogged.withLock({ $0.insert(warning).inserted }) {
            logger.warning("\(mountpoint): \(warning)")
        }
        if !warnings.isEmpty { return (options.readOnly ? "ro" : "rw") + "(degraded: " + warnings.joined(separator: "; ") + ")" }
        return options.readOnly ? "ro" : "rw"
    }

    /// The mount's counters: requests per opcode seen so far and, per opcode, the median, 99th percentile and
    /// longest time the daemon took to serve one (`lookup_p50_ns`, `lookup_p99_ns`, `lookup_max_ns`, in
    /// nanoseconds: `RequestLatencies`), unknown requests, lookups the kernel holds, then the file system's own
    /// (`FileSystem.counters`).
    public var statistics: [(name: String, value: Int64)] {
        let counts = dispatcher.requestCounts.map { (name: "\($0.key)", value: Int64($0.value)) }
        let latencies = dispatcher.requestLatencies.flatMap { opcode, times in
            [("\(opcode)_p50_ns", times.median), ("\(opcode)_p99_ns", times.p99), ("\(opcode)_max_ns", times.longest)]
                .map { (name: $0.0, value: Int64(clamping: $0.1)) }
        }
        return (counts + latencies).sorted { $0.name < $1.name }
            + [("unknown", Int64(dispatcher.unknownRequestCount)), ("outstanding_lookups", dispatcher.outstandingLookups)]
            + dispatcher.fileSystemCounters.map { (name: $0.name, value: $0.value) }
    }

    /// Whether the session serves (started, not ended, not handed over).
    var isServing: Bool { state.withLock { if case .serving = $0 { true } else { false } } }

    /// Whether another process took the mount over (`Session+Handoff.swift`): this one has nothing left to do.
    public var wasHandedOver: Bool { state.withLock { if case .handedOver = $0 { true } else { false } } }

    /// Calls `destroy` once, unless the kernel's DESTROY already did or the mount went to another process.
    private func finish() {
        let first = state.withLock { state -> Bool in
            switch state {
            case .ended, .handedOver: return false
            case .mounted, .serving:
                state = .ended
                return true
            }
        }
        if first { dispatcher.destroyUnlessDestroyed() }
    }

    /// One worker: read a request, dispatch it, write the reply, until the mount goes away or the worker is asked
    /// to stop (`stopDeviceWorkers`: it does between requests, never with one in hand).
    private func serve(_ channel: Channel) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.requestBufferSize, alignment: 4096)
        let me = ThreadInterrupt.current
        deviceWorkers.withLock { _ = $0.insert(me) }
        defer {
            deviceWorkers.withLock { _ = $0.remove(me) }
            buffer.deallocate()
        }
        var isFirstRequest = true  // INIT can only be a worker's first request
        while !workersStopping.load(ordering: .acquiring) {
            let received: Channel.Received
            do {
                received = try channel.receive(into: buffer)
            } catch {
                logger.error("reading /dev/fuse failed: \(error); worker stops")
                return
            }
            if received == .interrupted { continue }
            guard case .request(let count) = received else { return }
            let request = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            guard let reply = dispatcher.handle(request) else { continue }
            do {
                try channel.send(reply)
            } catch {
                logger.warning("writing a reply failed: \(error)")
            }
            if isFirstRequest {
                isFirstRequest = false
                if RequestHeader.peek(request)?.opcode == Opcode.initialize.rawValue {
                    tuneReadahead()
                    startRingQueues()
                }
            }
        }
    }
}
