import CFUSEURing
#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// One io_uring instance set up for `IORING_OP_URING_CMD` (128-byte SQEs), as FUSE over io_uring needs it.
///
/// Rules: the thread that creates a ring is the only one that uses it — the kernel runs a FUSE command's
/// completion work (copying the next request into the entry's buffers) on the task that submitted it, so a
/// queue's commands are submitted and reaped on its own thread. The ring is torn down with its owner; the
/// kernel then cancels the commands still pending.
public struct URing: ~Copyable {
    /// One consumed completion: the command's `user_data` and its result (`res`: 0 or a negative errno).
    public struct Completion {
        /// What the command was queued with (`user_data`).
        public var userData: UInt64
        /// The command's result (`res`).
        public var result: Int32
    }

    /// The C target's ring (`bento_uring`: descriptor and mapped queues), owned.
    private let ring: OpaquePointer

    /// A ring with room for `entries` commands in flight (and twice as many completions).
    public init(entries: Int) throws(Errno) {
        var error: Int32 = 0
        guard let ring = bento_uring_create(UInt32(entries), &error) else { throw Errno(rawValue: -error) }
        self.ring = ring
    }

    /// Queues one `IORING_OP_URING_CMD` for `descriptor`: `command` as `cmd_op`, `area` copied into the SQE's
    /// command area, and `buffers` (which must outlive the command) as its address and length. Submitted by the
    /// next `submit` or `submitAndWait`.
    public func queue(_ command: UInt32, on descriptor: Int32, area: UnsafeRawBufferPointer,
                      buffers: BufferPair?, userData: UInt64) throws(Errno) {
        let vectors = buffers.map { UnsafePointer($0.vectors.assumingMemoryBound(to: iovec.self)) }
        let result = bento_uring_queue_command(ring, descriptor, command, area.baseAddress, area.count, vectors,
                                               buffers == nil ? 0 : 2, userData)
        if result < 0 { throw Errno(rawValue: -result) }
    }

    /// Submits what is queued without waiting.
    public func submit() throws(Errno) {
        let result = bento_uring_submit(ring)
        if result < 0 { throw Errno(rawValue: -result) }
    }

    /// Submits what is queued and waits for one completion (retrying `EINTR`).
    public func submitAndWait() throws(Errno) -> Completion {
        var completion = Completion(userData: 0, result: 0)
        while true {
            let result = bento_uring_submit_and_wait(ring, &completion.userData, &completion.result)
            if result == 0 { return completion }
            if result != -EINTR { throw Errno(rawValue: -result) }
        }
    }

    /// The next completion if one is ready, without waiting.
    public func nextCompletion() -> Completion? {
        var completion = Completion(userData: 0, result: 0)
        return bento_uring_next_completion(ring, &completion.userData, &completion.result) == 1 ? completion : nil
    }

    /// Binds the calling thread to `cpu` (the queue of a CPU serves best on that CPU; failure is harmless).
    public static func pinCurrentThread(to cpu: Int) -> Errno? {
        let result = bento_uring_pin_thread(Int32(cpu))
        return result < 0 ? Errno(rawValue: -result) : nil
    }

    deinit { bento_uring_destroy(ring) }
}

extension URing {
    /// Two buffers described as a command's iovec array (`struct iovec[2]`), written into memory the caller owns
    /// and keeps as long as the command it is queued with.
    public struct BufferPair {
        /// The bytes the pair takes where it is stored.
        public static let size = 2 * MemoryLayout<iovec>.stride

        /// Where the two iovecs lie.
        let vectors: UnsafeMutableRawPointer

        /// Writes the iovecs of `first` and `second` at `place`, which has room for `size` bytes, suitably aligned.
        public init(_ first: UnsafeMutableRawBufferPointer, _ second: UnsafeMutableRawBufferPointer,
                    at place: UnsafeMutableRawPointer) {
            let vectors = place.bindMemory(to: iovec.self, capacity: 2)
            vectors[0] = iovec(iov_base: first.baseAddress, iov_len: first.count)
            vectors[1] = iovec(iov_base: second.baseAddress, iov_len: second.count)
            self.vectors = place
        }

        /// The region the iovec at `index` (0 or 1) describes, as the kernel will read it.
        public subscript(index: Int) -> UnsafeRawBufferPointer {
            precondition(index == 0 || index == 1, "a buffer pair has buffers 0 and 1")
            let vector = vectors.assumingMemoryBound(to: iovec.self)[index]
            return UnsafeRawBufferPointer(start: vector.iov_base, count: vector.iov_len)
        }
    }
}
