import BentoKit

// The session's own requests: INIT, DESTROY, FORGET, BATCH_FORGET, INTERRUPT.
extension RequestDecoder {
    static let sessionDecoders: [(Opcode, Decode)] = [
        (.initialize, decodeInit),
        (.destroy, { _ throws(DecodeError) in .destroy }),
        (.forget, { reader throws(DecodeError) in .forget(count: try reader.read()) }),
        (.batchForget, decodeBatchForget),
        (.interrupt, { reader throws(DecodeError) in .interrupt(unique: try reader.read()) }),
    ]

    /// `fuse_init_in`: major and minor always; readahead and flags from 7.6; `flags2` when `FUSE_INIT_EXT`.
    private static func decodeInit(_ reader: inout WireReader) throws(DecodeError) -> Operation {
        let major: UInt32 = try reader.read()
        let minor: UInt32 = try reader.read()
        guard reader.remaining >= 8 else {
            return .initialize(InitArguments(major: major, minor: minor, maximumReadahead: 0, flags: []))
        }
        let readahead: UInt32 = try reader.read()
        var flags = InitFlags(rawValue: UInt64(try reader.read(UInt32.self)))
        if flags.contains(.initExtended) {
            flags.formUnion(InitFlags(rawValue: UInt64(try reader.read(UInt32.self)) << 32))
        }
        return .initialize(InitArguments(major: major, minor: minor, maximumReadahead: readahead, flags: flags))
    }

    /// `fuse_batch_forget_in` followed by `count` × `fuse_forget_one`, all of which must be present.
    private static func decodeBatchForget(_ reader: inout WireReader) throws(DecodeError) -> Operation {
        let count: UInt32 = try reader.read()
        try reader.skip(4)
        guard reader.remaining / 16 >= Int(count) else { throw DecodeError(.truncated, at: reader.offset) }
        var items: [ForgetItem] = []
        items.reserveCapacity(Int(count))
        for _ in 0..<count {
            items.append(ForgetItem(inode: Inode(try reader.read(UInt64.self)), count: try reader.read()))
        }
        return .batchForget(items)
    }
}
