import BentoSystem
import FUSEWire

/// The memory of one FUSE-over-io_uring entry, which the kernel and its queue's thread take turns to use: the
/// kernel writes a request into it and completes the entry's command; the thread serves the request, writes the
/// reply into it and commits. One page-aligned allocation (`RingLayout` describes the kernel's parts):
///
///     0 ..< 288                    fuse_uring_req_header: in_out · op_in · fuse_uring_ent_in_out   (iov[0])
///     288 ..< 320                  the two iovecs REGISTER points to (they must outlive the command)
///     320 ..< 344                  fuse_uring_cmd_req, copied into each SQE
///     front − 168 ..< front        where fuse_in_header and op_in are put back in front of the payload
///     front ..< front + capacity   the payload buffer                                             (iov[1])
///
/// with `front` one page. Putting the headers back in front of the payload rebuilds the request exactly as
/// /dev/fuse delivers it without moving the payload (a write's data). Rules: only the queue's thread touches an
/// entry, and only while the kernel does not hold it (between a completion and the next command); the queue
/// deallocates it once the kernel holds no command on it. Reads and writes are unaligned-safe and little-endian.
struct URingEntry {
    /// The whole allocation.
    let memory: UnsafeMutableRawBufferPointer
    /// Bytes the payload buffer holds.
    let payloadCapacity: Int
    /// Where the payload buffer starts (one page in).
    let front: Int
    /// The iovec pair (header buffer, payload buffer) for REGISTER, stored in the entry's own memory.
    let buffers: URing.BufferPair

    /// Where the iovec pair lies.
    private static let buffersOffset = RingLayout.headerSize
    /// Where the command lies.
    private static let commandOffset = buffersOffset + URing.BufferPair.size

    /// Allocates an entry whose payload buffer holds `payloadCapacity` bytes, with its iovecs in place.
    static func allocate(payloadCapacity: Int) -> URingEntry {
        let page = HostProcess.pageSize
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: page + payloadCapacity, alignment: page)
        // Only the first page is cleared: the payload buffer is written before it is read, and stays untouched
        // (unbacked) until a request needs it.
        UnsafeMutableRawBufferPointer(rebasing: memory[0..<page]).initializeMemory(as: UInt8.self, repeating: 0)
        let header = UnsafeMutableRawBufferPointer(rebasing: memory[0..<RingLayout.headerSize])
        let payload = UnsafeMutableRawBufferPointer(rebasing: memory[page..<(page + payloadCapacity)])
        let buffers = URing.BufferPair(header, payload, at: memory.baseAddress!.advanced(by: buffersOffset))
        return URingEntry(memory: memory, payloadCapacity: payloadCapacity, front: page, buffers: buffers)
    }

    /// Frees the memory; the kernel must hold no command on this entry.
    func deallocate() { memory.deallocate() }

    /// The header buffer (`fuse_uring_req_header`).
    var header: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: memory[0..<RingLayout.headerSize]) }

    /// The payload buffer.
    var payload: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: memory[front..<(front + payloadCapacity)])
    }

    /// The request's id as the kernel put it in `fuse_in_header.unique` (for a reply to a request that cannot
    /// be rebuilt).
    var unique: UInt64 { UInt64(littleEndian: header.loadUnaligned(fromByteOffset: RingLayout.inOutOffset + 8, as: UInt64.self)) }

    /// `fuse_uring_ent_in_out.commit_id`: what COMMIT_AND_FETCH sends back to name the request answered.
    var commitID: UInt64 { UInt64(littleEndian: header.loadUnaligned(fromByteOffset: RingLayout.commitIDOffset, as: UInt64.self)) }

    /// The payload buffer lent to the dispatcher for a READ's data, which then needs no copy into the entry. A READ
    /// carries no payload of its own (its arguments arrive in `op_in`), so the request never overlaps it.
    var replyBuffer: ReplyBuffer { ReplyBuffer(payload) }

    /// The request the kernel wrote, rebuilt as /dev/fuse would deliver it (fuse_in_header · op_in · payload),
    /// or nil when its lengths contradict each other or the buffers. Valid until the entry's next command.
    func request() -> UnsafeRawBufferPointer? {
        let length = UInt32(littleEndian: header.loadUnaligned(fromByteOffset: RingLayout.inOutOffset, as: UInt32.self))
        let payloadSize = UInt32(littleEndian: header.loadUnaligned(fromByteOffset: RingLayout.payloadSizeOffset, as: UInt32.self))
        guard Int(payloadSize) <= payloadCapacity,
              let firstArgument = RingLayout.firstArgumentSize(requestLength: length, payloadSize: payloadSize) else {
            return nil
        }
        let start = front - firstArgument - WireLayout.inHeaderSize
        let inHeader = UnsafeRawBufferPointer(rebasing: header[RingLayout.inOutOffset..<(RingLayout.inOutOffset + WireLayout.inHeaderSize)])
        let opIn = UnsafeRawBufferPointer(rebasing: header[RingLayout.firstArgumentOffset..<(RingLayout.firstArgumentOffset + firstArgument)])
        UnsafeMutableRawBufferPointer(rebasing: memory[start...]).copyMemory(from: inHeader)
        UnsafeMutableRawBufferPointer(rebasing: memory[(start + WireLayout.inHeaderSize)...]).copyMemory(from: opIn)
        return UnsafeRawBufferPointer(rebasing: memory[start..<(front + Int(payloadSize))])
    }

    /// Writes `reply` the way the ring takes it: `fuse_out_header` into in_out, everything after it (the rest of
    /// `head`, then `payload`) into the payload buffer and its size into `payload_sz`; data already in the payload
    /// buffer (`Reply.payloadInPlace`, a READ served into `replyBuffer`) stays where it is. False, with nothing
    /// written, when the body does not fit the payload buffer.
    func write(_ reply: Reply) -> Bool {
        let headerSize = WireLayout.outHeaderSize
        let bodySize = reply.head.count - headerSize + reply.payload.count + reply.payloadInPlace
        guard reply.head.count >= headerSize, bodySize <= payloadCapacity,
              reply.payloadInPlace == 0 || (reply.head.count == headerSize && reply.payload.isEmpty) else { return false }
        reply.head.withUnsafeBytes { head in
            UnsafeMutableRawBufferPointer(rebasing: header[RingLayout.inOutOffset...])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: head[0..<headerSize]))
            payload.copyMemory(from: UnsafeRawBufferPointer(rebasing: head[headerSize...]))
        }
        reply.payload.withUnsafeBytes { body in
            UnsafeMutableRawBufferPointer(rebasing: payload[(reply.head.count - headerSize)...]).copyMemory(from: body)
        }
        header.storeBytes(of: UInt32(bodySize).littleEndian, toByteOffset: RingLayout.payloadSizeOffset, as: UInt32.self)
        return true
    }

    /// The `fuse_uring_cmd_req` for a command on this entry, written into the entry and returned: flags 0,
    /// `commitID` (0 for REGISTER), queue `queue`.
    func command(commitID: UInt64, queue: UInt16) -> UnsafeRawBufferPointer {
        let area = UnsafeMutableRawBufferPointer(rebasing: memory[Self.commandOffset..<(Self.commandOffset + RingLayout.commandSize)])
        area.initializeMemory(as: UInt8.self, repeating: 0)
        area.storeBytes(of: commitID.littleEndian, toByteOffset: RingLayout.commandCommitIDOffset, as: UInt64.self)
        area.storeBytes(of: queue.littleEndian, toByteOffset: RingLayout.commandQueueOffset, as: UInt16.self)
        return UnsafeRawBufferPointer(area)
    }
}
