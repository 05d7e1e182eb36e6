import BentoKit

/// Encodes replies: `fuse_out_header` plus the reply struct as `head`, variable data as `payload`, ready to
/// be written with one `writev` (`head.count + payload.count` is the header's `len`).
public enum ReplyEncoder {
    /// The successful reply to request `unique`; entries and attributes without cache timeouts get `policy`'s.
    public static func encode(_ body: ReplyBody, unique: UInt64,
                              policy: CachePolicy = .conservative) -> (head: [UInt8], payload: [UInt8]) {
        var writer = WireWriter(capacity: WireLayout.outHeaderSize + WireLayout.entryOutSize + WireLayout.openOutSize,
                                policy: policy)
        var payload: [UInt8] = []
        var inPlace = 0
        writer.zeros(WireLayout.outHeaderSize)
        switch body {
        case .empty: break
        case .entry(let entry): writer.append(entry)
        case .negativeEntry(let timeout): writer.appendNegativeEntry(timeout: timeout)
        case .attributes(let reply): writer.append(reply)
        case .open(let reply, let backing): writer.append(reply, backing: backing)
        case .create(let reply, let backing):
            writer.append(reply.entry)
            writer.append(reply.open, backing: backing)
        case .written(let size), .xattrSize(let size):
            writer.append(size)
            writer.append(UInt32(0))  // padding
        case .statistics(let statistics): writer.append(statistics)
        case .offset(let offset): writer.append(offset)
        case .ioctl(let output):
            writer.append(UInt32(0))  // result
            writer.zeros(12)  // flags (no FUSE_IOCTL_RETRY), in_iovs, out_iovs
            writer.append(contentsOf: output)
        case .initialize(let reply): append(reply, to: &writer)
        case .protocolVersion(let major, let minor):
            writer.append(major)
            writer.append(minor)
        case .data(let data): payload = data
        case .dataInPlace(let count): inPlace = count
        }
        var head = writer.bytes
        writeHeader(into: &head, length: head.count + payload.count + inPlace, error: 0, unique: unique)
        return (head, payload)
    }

    /// The error reply to request `unique`: a header alone with `-errno`. An errno the kernel would refuse
    /// (0, negative, or 512 and above) is sent as `EIO`.
    public static func encodeError(_ errno: Errno, unique: UInt64) -> [UInt8] {
        let code = (1..<512).contains(errno.rawValue) ? errno.rawValue : Errno.ioError.rawValue
        var head = [UInt8](repeating: 0, count: WireLayout.outHeaderSize)
        writeHeader(into: &head, length: head.count, error: -code, unique: unique)
        return head
    }

    /// Fills in `fuse_out_header { len, error, unique }` at the start of `head`.
    private static func writeHeader(into head: inout [UInt8], length: Int, error: Int32, unique: UInt64) {
        var header = WireWriter(capacity: WireLayout.outHeaderSize)
        header.append(UInt32(truncatingIfNeeded: length))
        header.append(error)
        header.append(unique)
        head.replaceSubrange(0..<WireLayout.outHeaderSize, with: header.bytes)
    }

    /// `fuse_init_out`, cut to the 24 bytes kernels before 7.23 expect. The kernel reads `max_stack_depth` whenever
    /// `FUSE_PASSTHROUGH` is answered, whatever the minor version.
    private static func append(_ reply: InitReply, to writer: inout WireWriter) {
        writer.append(reply.major)
        writer.append(reply.minor)
        writer.append(reply.maximumReadahead)
        writer.append(UInt32(truncatingIfNeeded: reply.flags.rawValue))
        writer.append(reply.maximumBackground)
        writer.append(reply.congestionThreshold)
        writer.append(reply.maximumWrite)
        guard reply.minor >= WireLayout.fullInitOutMinor else { return }
        writer.append(reply.timeGranularity)
        writer.append(reply.maximumPages)
        writer.append(UInt16(0))  // map_alignment
        writer.append(UInt32(truncatingIfNeeded: reply.flags.rawValue >> 32))
        writer.append(reply.maximumStackDepth)
        writer.zeros(2 + 11 * 2)  // request_timeout (FUSE_REQUEST_TIMEOUT is never answered), unused[11]
    }
}
