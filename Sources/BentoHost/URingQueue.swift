import BentoKit
import BentoSystem
import FUSEWire
import Foundation
import Logging

/// One queue of FUSE over io_uring: its ring, its entries and the loop serving them, all on one thread.
///
/// The kernel keeps one queue per possible CPU and gives each request to the queue of the CPU its caller runs on
/// (fuse_uring_task_to_queue); a request finding no free entry there waits for one of that queue. The kernel
/// switches to the ring only once every queue has a registered entry (is_ring_ready); until then requests keep
/// coming through /dev/fuse.
///
/// Lifecycle: `serve` registers every entry (REGISTER, allowed once the INIT reply is in: EAGAIN before), then
/// loops: a completion with result 0 carries a request, which is served on this thread and answered with
/// COMMIT_AND_FETCH on the same entry (that command also waits for the entry's next request). At unmount the
/// kernel ends every command it holds with -ENOTCONN (fuse_uring_entry_teardown; a commit arriving after that
/// fails with -ENOTCONN or -ECONNABORTED), so the loop ends once no command is outstanding. Entry memory is freed
/// only then; if the loop stops early the memory is left allocated, because the kernel may still write into it.
struct URingQueue: ~Copyable {
    /// FUSE-over-io_uring entries per queue: requests the kernel can hand this queue at once (libfuse uses 8).
    static let entriesPerQueue = 8

    /// The queue's number: the CPU whose callers it serves (`fuse_uring_cmd_req.qid`).
    let index: Int
    /// The queue's io_uring, used only by this thread.
    private let ring: URing
    /// The session's `/dev/fuse` descriptor, which every command addresses.
    private let descriptor: Int32
    /// The entries; a command's `user_data` is its entry's index here.
    private let entries: [URingEntry]
    /// The command last queued on each entry, repeated when the kernel asks to retry it (EAGAIN, EINTR).
    private var lastCommand: [UInt32]
    /// Commands the kernel holds; the queue is finished when none is left.
    private var outstanding = 0

    /// Sets up queue `index` on the FUSE session `descriptor`, with entries whose payload buffers hold
    /// `payloadCapacity` bytes.
    init(index: Int, descriptor: Int32, payloadCapacity: Int) throws(Errno) {
        self.index = index
        self.descriptor = descriptor
        ring = try URing(entries: Self.entriesPerQueue)
        entries = (0..<Self.entriesPerQueue).map { _ in URingEntry.allocate(payloadCapacity: payloadCapacity) }
        lastCommand = Array(repeating: RingLayout.registerCommand, count: Self.entriesPerQueue)
    }

    /// Registers the entries, calls `registered`, then serves requests with `dispatcher` until the kernel has
    /// ended every entry (the mount is gone) or the ring fails.
    mutating func serve(with dispatcher: Dispatcher, logger: Logger, registered: () -> Void) {
        for slot in entries.indices { send(RingLayout.registerCommand, on: slot, logger: logger) }
        do {
            try ring.submit()
        } catch {
            logger.error("FUSE over io_uring queue \(index): submitting REGISTER failed: \(error)")
            return
        }
        registered()
        while outstanding > 0 {
            let completion: URing.Completion
            do {
                completion = try ring.submitAndWait()
            } catch {
                logger.error("FUSE over io_uring queue \(index): waiting for the ring failed: \(error); queue stops")
                return
            }
            complete(completion, with: dispatcher, logger: logger)
            while let next = ring.nextCompletion() { complete(next, with: dispatcher, logger: logger) }
        }
    }

    /// Handles one completion: a request to serve, a command to retry, or the end of an entry.
    private mutating func complete(_ completion: URing.Completion, with dispatcher: Dispatcher, logger: Logger) {
        let slot = Int(completion.userData)
        guard entries.indices.contains(slot) else { return }
        outstanding -= 1
        guard completion.result != 0 else {
            answer(entries[slot], with: dispatcher, logger: logger)
            send(RingLayout.commitAndFetchCommand, on: slot, logger: logger)
            return
        }
        switch Errno(rawValue: -completion.result) {
        case .resourceTemporarilyUnavailable, .interrupted:
            send(lastCommand[slot], on: slot, logger: logger)
        case .socketNotConnected, .connectionAbort, .canceled:
            break  // the connection is gone: the normal end of the entry
        case let error:
            let command = lastCommand[slot] == RingLayout.registerCommand ? "REGISTER" : "COMMIT_AND_FETCH"
            logger.error("FUSE over io_uring queue \(index): \(command) failed: \(error)")
        }
    }

    /// Serves the entry's request and writes the reply into it; a request that cannot be rebuilt, gets no
    /// reply, or whose reply does not fit is answered EIO, so the kernel never waits for it.
    private func answer(_ entry: URingEntry, with dispatcher: Dispatcher, logger: Logger) {
        guard let request = entry.request(), let reply = dispatcher.handle(request, replyBuffer: entry.replyBuffer) else {
            logger.warning("FUSE over io_uring queue \(index): request \(entry.unique) not served; answered EIO")
            _ = entry.write(Dispatcher.failure(.ioError, unique: entry.unique))
            return
        }
        if !entry.write(reply) {
            logger.error("FUSE over io_uring queue \(index): the reply to \(entry.unique) exceeds the payload buffer")
            _ = entry.write(Dispatcher.failure(.ioError, unique: entry.unique))
        }
    }

    /// Queues `command` on entry `slot` (REGISTER with its buffers, COMMIT_AND_FETCH with its commit id).
    private mutating func send(_ command: UInt32, on slot: Int, logger: Logger) {
        let entry = entries[slot]
        let registering = command == RingLayout.registerCommand
        let area = entry.command(commitID: registering ? 0 : entry.commitID, queue: UInt16(index))
        do {
            try ring.queue(command, on: descriptor, area: area, buffers: registering ? entry.buffers : nil,
                           userData: UInt64(slot))
            lastCommand[slot] = command
            outstanding += 1
        } catch {
            logger.error("FUSE over io_uring queue \(index): cannot queue a command on entry \(slot): \(error)")
        }
    }

    /// Frees the entries if the kernel holds no command on them; the ring goes after (cancelling what it holds).
    deinit {
        if outstanding == 0 { for entry in entries { entry.deallocate() } }
    }

    /// The number of possible CPUs (`num_possible_cpus()`, from /sys/devices/system/cpu/possible such as
    /// `0-1` or `0-3,6`): the kernel's number of queues.
    static let possibleCPUCount: Int = {
        let list = (try? String(contentsOfFile: "/sys/devices/system/cpu/possible", encoding: .utf8)) ?? ""
        let count = list.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").reduce(0) { total, range in
            let bounds = range.split(separator: "-").compactMap { Int($0) }
            return total + (bounds.count == 2 ? bounds[1] - bounds[0] + 1 : bounds.count)
        }
        return count > 0 ? count : ProcessInfo.processInfo.processorCount
    }()
}
