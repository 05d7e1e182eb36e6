// FUSE over io_uring (protocol 7.42+, Linux 6.14+): the buffers of one ring entry as the kernel reads and writes
// them, and the command in each SQE. The kernel ABI of the ring in one place, next to `WireLayout`.
//
// Sources: include/uapi/linux/fuse.h (fuse_uring_req_header, fuse_uring_ent_in_out, fuse_uring_cmd_req,
// enum fuse_uring_cmd); fs/fuse/dev_uring.c (fuse_uring_args_to_ring, fuse_uring_copy_to_ring, fuse_uring_commit,
// fuse_uring_copy_from_ring, fuse_uring_create, fuse_uring_create_ring_ent); fs/fuse/dev.c (fuse_send_one,
// fuse_copy_out_args).
//
//   fuse_uring_req_header (288)   in_out[128] · op_in[128] · fuse_uring_ent_in_out       (REGISTER's iov[0])
//     in_out                      fetch: fuse_in_header (40), as /dev/fuse starts a request
//                                 commit: fuse_out_header (16), written by the server (its `len` is not read)
//     op_in                       fetch: the request's first argument, the opcode's fixed struct (fuse_write_in,
//                                 fuse_setattr_in, ...); 0 bytes where the kernel sets a zero first argument
//                                 (fuse_set_zero_arg0: LOOKUP, UNLINK, ... whose only arguments are names)
//   fuse_uring_ent_in_out (32)    u64 flags · u64 commit_id · u32 payload_sz · u32 padding · u64 reserved
//     commit_id                   fetch: the request's `unique`; the server sends it back in fuse_uring_cmd_req
//     payload_sz                  fetch: bytes of the other arguments in the payload buffer
//                                 commit: bytes of the reply body in the payload buffer
//   payload buffer                (REGISTER's iov[1], at least max(8192, max_write, max_pages × page size), else
//                                 REGISTER fails with EINVAL)
//                                 fetch: every argument after the first, concatenated (names, write data,
//                                 extensions); commit: the whole reply body, everything after fuse_out_header
//   fuse_uring_cmd_req (24)       u64 flags · u64 commit_id · u16 qid · u8 padding[6]     (in the 128-byte SQE's
//                                 80-byte command area; cmd_op = REGISTER (1) or COMMIT_AND_FETCH (2))
//
// The kernel sets fuse_in_header.len over all arguments before it picks the transport (fuse_send_one), so
// the request /dev/fuse would deliver is fuse_in_header · op_in[0..<n] · payload[0..<payload_sz] with
// n = len − 40 − payload_sz.

/// Offsets and sizes of the FUSE-over-io_uring entry buffers and command (see the layout above).
public enum RingLayout {
    /// Size of `fuse_uring_req_header`, the buffer the kernel writes each request's headers into.
    public static let headerSize = 288
    /// Where `in_out` starts: `fuse_in_header` on fetch, `fuse_out_header` on commit.
    public static let inOutOffset = 0
    /// Where `op_in`, the request's first argument, starts.
    public static let firstArgumentOffset = 128
    /// The room `op_in` has (`FUSE_URING_OP_IN_OUT_SZ`).
    public static let firstArgumentCapacity = 128
    /// Where `fuse_uring_ent_in_out.commit_id` lies in the header buffer.
    public static let commitIDOffset = 256 + 8
    /// Where `fuse_uring_ent_in_out.payload_sz` lies in the header buffer.
    public static let payloadSizeOffset = 256 + 16
    /// Size of `fuse_uring_cmd_req`, the start of the SQE's command area.
    public static let commandSize = 24
    /// Where `fuse_uring_cmd_req.commit_id` lies in the command.
    public static let commandCommitIDOffset = 8
    /// Where `fuse_uring_cmd_req.qid` lies in the command.
    public static let commandQueueOffset = 16
    /// `FUSE_IO_URING_CMD_REGISTER`: hands an entry's buffers to the kernel; completes with the first request.
    public static let registerCommand: UInt32 = 1
    /// `FUSE_IO_URING_CMD_COMMIT_AND_FETCH`: answers the entry's request and waits for the next one.
    public static let commitAndFetchCommand: UInt32 = 2
    /// `FUSE_MIN_READ_BUFFER`: the smallest payload buffer any kernel accepts.
    public static let minimumPayload = 8192

    /// The payload buffer a ring entry needs once INIT settled `maximumWrite`: the kernel's `max_payload_sz`
    /// (max of 8192, `max_write`, and `max_pages` pages, with Bento's `max_pages` an upper bound of the kernel's).
    public static func payloadCapacity(maximumWrite: UInt32, pageSize: Int) -> Int {
        max(minimumPayload, Int(maximumWrite), Int(WireLayout.maximumPages) * pageSize)
    }

    /// The size of `op_in` for a request of `requestLength` bytes (`fuse_in_header.len`) whose payload holds
    /// `payloadSize` bytes; nil when the two contradict each other or `op_in`'s room.
    public static func firstArgumentSize(requestLength: UInt32, payloadSize: UInt32) -> Int? {
        let rest = Int(requestLength) - WireLayout.inHeaderSize - Int(payloadSize)
        return (0...firstArgumentCapacity).contains(rest) ? rest : nil
    }
}
