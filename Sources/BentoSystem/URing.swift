import BentoKit
import CFUSEURing
#if canImport(Glibc)
import Glibc
#endif

/// One io_uring instance set up for `IORING_OP_URING_CMD` (128-byte SQEs), as FUSE over io_uring needs it.
///
/// Rules: the thread that creates a ring is the only one that uses it — the kernel runs a FUSE command's
/// completion work (copying the next request into the entry's buffers) on the task that submitted it, so a
/// queue's commands are submitted and reaped on its own thread. The ring is torn down with its owner; the
/// kernel then cancels the commands still pending.
struct URing: ~Copyable {
    /// One consumed completion: the command's `user_data` and its result (`res`: 0 or a negative errno).
    struct Completion {
        /// What the command was queued with (`user_data`).
        var userData: UInt64
        /// The command's result (`res`).
        var result: Int32
    }

    /// The C target's ring (`bento_uring`: descriptor and mapped queues), owned.
    private let ring: OpaquePointer

    /// A ring with room for `entries` commands in flight (and twice as many completions).
    init(entries: Int) throws(Errno) {
        var error: Int32 = 0
        guard let ring = bento_uring_create(UInt32(entries), &error) else { throw Errno(rawValue: -error) }
        self.ring = ring
    }

    /// Queues one `IORING_OP_URING_CMD` for `descriptor`: `command` as `cmd_op`, `area` copied into the SQE's
    /// command area, and `buffers` (which must outlive the command) as its iovec array. Submitted by the next
    /// `submit` or `submitAndWait`.
    func queue(_ command: UInt32, on descriptor: Int32, area: UnsafeRawBufferPointer,
               buffers: UnsafePointer<iovec>?, bufferCount: Int, userData: UInt64) throws(Errno) {
        let result = bento_uring_queue_command(ring, descriptor, command, area.baseAddress, area.count, buffers,
                                               UInt32(bufferCount), userData)
        if result < 0 { throw Errno(rawValue: -result) }
    }

    /// Submits what is queued without waiting.
    func submit() throws(Errno) {
        let result = bento_uring_submit(ring)
        if result < 0 { throw Errno(rawValue: -result) }
    }

    /// Submits what is queued and waits for one completion (retrying `EINTR`).
    func submitAndWait() throws(Errno) -> Completion {
        var completion = Completion(userData: 0, result: 0)
        while true {
            let result = bento_uring_submit_and_wait(ring, &completion.userData, &completion.result)
            if result == 0 { return completion }
            if result != -EINTR { throw Errno(rawValue: -result) }
        }
    }

    /// The next completion if one is ready, without waiting.
    func nextCompletion() -> Completion? {
        var completion = Completion(userData: 0, result: 0)
        return bento_uring_next_completion(ring, &completion.userData, &completion.result) == 1 ? completion : nil
    }

    /// Binds the calling thread to `cpu` (the queue of a CPU serves best on that CPU; failure is harmless).
    static func pinCurrentThread(to cpu: Int) -> Errno? {
        let result = bento_uring_pin_thread(Int32(cpu))
        return result < 0 ? Errno(rawValue: -result) : nil
    }

    deinit { bento_uring_destroy(ring) }
}
