import BentoSystem
import FUSEWire
import Foundation

/// Starting and ending the FUSE-over-io_uring queues of a session (`-o transport=uring`, or `auto` settled on
/// `uring` before mounting).
///
/// Rules: the queues start once INIT has been answered — REGISTER needs the connection initialised (EAGAIN
/// before), and the kernel sizes the ring from the negotiated `max_write` and `max_pages` — and only if INIT
/// settled it (`Negotiation.usesIOURing`). One thread per possible CPU, each pinned to its CPU, owns its queue
/// and serves every request that queue receives. They are workers of the session like the `/dev/fuse` readers:
/// they end when the kernel ends their entries at unmount, and `Session.wait` waits for them. If the ring cannot
/// be used after all (INIT without it, a queue that cannot start) the mount stays served through `/dev/fuse`,
/// which then gets the workers a `dev` mount has (`fallBackToDevice`).
extension Session {
    /// The transport serving the mount now: `uring` while every queue has its entries registered, else `dev`
    /// (before INIT, if a queue failed to start, and once the queues have ended).
    public var transportInUse: Transport {
        ringQueuesServing.load(ordering: .relaxed) == URingQueue.possibleCPUCount ? .uring : .dev
    }

    /// What `bento status` shows in its TRANSPORT column: the transport in use, or `dev(auto)` when the mount asked
    /// for `auto` (the default) and is served through `/dev/fuse` because the ring could not be used — found
    /// before mounting (the daemon logged why) or after (INIT without the ring, a queue that could not start). One
    /// word, so a script splitting the row on blanks still reads one field.
    public var transportStatus: String {
        let inUse = transportInUse
        let fellBack = options.transport == .dev || ringFellBack.load(ordering: .relaxed)
        return inUse == .dev && requestedTransport == .auto && fellBack ? "dev(auto)" : inUse.rawValue
    }

    /// Called by the worker that answered INIT: starts one io_uring queue per possible CPU when the mount settled
    /// on `uring` (asked for, or `auto` where the pre-mount check passed) and INIT settled it.
    func startRingQueues() {
        guard options.transport == .uring, let negotiated = dispatcher.negotiated else { return }
        guard negotiated.usesIOURing else {
            logger.error("""
                \(mountpoint): transport=\(requestedTransport.rawValue), but the kernel did not offer FUSE over \
                io_uring at INIT (\(Transport.switchPath) turned off meanwhile?); serving through /dev/fuse
                """)
            fallBackToDevice()
            return
        }
        let payloadCapacity = RingLayout.payloadCapacity(maximumWrite: negotiated.maximumWrite,
                                                         pageSize: HostProcess.pageSize)
        let count = URingQueue.possibleCPUCount
        logger.info("""
            \(mountpoint): serving through FUSE over io_uring, \(count) queues of \(URingQueue.entriesPerQueue) \
            entries with \(payloadCapacity >> 10) KiB payload buffers
            """)
        for index in 0..<count {
            workers.enter()
            let thread = Thread { [self] in
                serveRingQueue(index, payloadCapacity: payloadCapacity)
                workers.leave()
            }
            thread.name = "bento-uring-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// One queue's thread: sets the queue up on the session's channel and serves it until the mount ends.
    private func serveRingQueue(_ index: Int, payloadCapacity: Int) {
        if let error = URing.pinCurrentThread(to: index) {
            logger.debug("io_uring queue \(index) stays unpinned: \(error)")
        }
        var queue: URingQueue
        do {
            queue = try URingQueue(index: index, descriptor: channel.descriptor, payloadCapacity: payloadCapacity)
        } catch {
            logger.error("""
                \(mountpoint): io_uring queue \(index) could not start (\(error)); the kernel uses the ring only \
                once every queue has registered, so requests stay on /dev/fuse
                """)
            fallBackToDevice()
            return
        }
        var registered = false
        queue.serve(with: dispatcher, logger: logger) {
            registered = true
            ringQueuesServing.add(1, ordering: .relaxed)
        }
        if registered { ringQueuesServing.subtract(1, ordering: .relaxed) }
    }

    /// Once, when a mount settled on `uring` stays on `/dev/fuse` after all: records it (`transportStatus`) and
    /// starts the `/dev/fuse` workers a `dev` mount has beside the ring's single one, unless `threads=` set their
    /// number.
    func fallBackToDevice() {
        guard !ringFellBack.exchange(true, ordering: .relaxed), options.threads == nil else { return }
        var channels: [Channel] = []
        for _ in workerCount..<Self.deviceWorkerCount {
            do {
                channels.append(try channel.clone())
            } catch {
                logger.warning("\(mountpoint): cannot add a /dev/fuse worker: \(error)")
                break
            }
        }
        startWorkers(on: channels, numberedFrom: workerCount)
    }
}
