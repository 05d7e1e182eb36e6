#if canImport(Glibc)
import Glibc
#endif
import FUSEWire
import Foundation

/// Starting and ending the FUSE-over-io_uring queues of a session (`-o transport=uring`).
///
/// Rules: the queues start once INIT has been answered — REGISTER needs the connection initialised (EAGAIN
/// before), and the kernel sizes the ring from the negotiated `max_write` and `max_pages` — and only if INIT
/// settled it (`Negotiation.usesIOURing`). One thread per possible CPU, each pinned to its CPU, owns its queue
/// and serves every request that queue receives. They are workers of the session like the `/dev/fuse` readers:
/// they end when the kernel ends their entries at unmount, and `Session.wait` waits for them.
extension Session {
    /// The transport serving the mount now: `uring` while every queue has its entries registered, else `dev`
    /// (before INIT, if a queue failed to start, and once the queues have ended).
    public var transportInUse: Transport {
        ringQueuesServing.load(ordering: .relaxed) == URingQueue.possibleCPUCount ? .uring : .dev
    }

    /// Called by the worker that answered INIT: starts one io_uring queue per possible CPU when the mount asked
    /// for `transport=uring` and INIT settled it.
    func startRingQueues() {
        guard options.transport == .uring, let negotiated = dispatcher.negotiated else { return }
        guard negotiated.usesIOURing else {
            logger.error("""
                \(mountpoint): transport=uring, but the kernel did not offer FUSE over io_uring at INIT \
                (\(Transport.switchPath) turned off meanwhile?); serving through /dev/fuse
                """)
            return
        }
        let payloadCapacity = RingLayout.payloadCapacity(maximumWrite: negotiated.maximumWrite,
                                                         pageSize: Int(getpagesize()))
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
            return
        }
        var registered = false
        queue.serve(with: dispatcher, logger: logger) {
            registered = true
            ringQueuesServing.add(1, ordering: .relaxed)
        }
        if registered { ringQueuesServing.subtract(1, ordering: .relaxed) }
    }
}
