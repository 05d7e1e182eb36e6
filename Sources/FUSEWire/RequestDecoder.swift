/// A request decoded from the bytes read from `/dev/fuse`: its header and its operation's arguments.
public struct DecodedRequest: Sendable, Hashable {
    /// Who asks, which request, about which inode.
    public var header: RequestHeader
    /// The operation and its validated arguments.
    public var operation: Operation
}

/// Turns one request's bytes into a `DecodedRequest`, validating every length, name and value first.
///
/// Opcode metadata is a table: each opcode group (`RequestDecoder+Session`, `+Entries`, `+Files`, `+Directories`,
/// `+Attributes`) lists its opcodes with their decoders, and the table indexes them by opcode number.
public enum RequestDecoder {
    /// Decodes one operation's arguments from the request body.
    typealias Decode = @Sendable (inout WireReader) throws(DecodeError) -> Operation

    /// Decodes `request`, exactly one request as read from `/dev/fuse`. Opcodes Bento does not know decode
    /// as `.unknown`; any length, name or value the protocol does not allow throws. `extendedSetxattr` says
    /// the session negotiated `FUSE_SETXATTR_EXT`, which changes SETXATTR's layout.
    public static func decode(_ request: UnsafeRawBufferPointer,
                              extendedSetxattr: Bool = false) throws(DecodeError) -> DecodedRequest {
        let header = try RequestHeader(parsing: request)
        let body = header.bodyRange
        var reader = WireReader(request, from: body.lowerBound, to: body.upperBound)
        let operation: Operation
        if extendedSetxattr, header.opcode == Opcode.setxattr.rawValue {
            operation = try decodeSetxattr(&reader, extended: true)
        } else if header.opcode <= Opcode.largestRawValue, let decode = table[Int(header.opcode)] {
            operation = try decode(&reader)
        } else {
            operation = .unknown(opcode: header.opcode)
        }
        return DecodedRequest(header: header, operation: operation)
    }

    /// Decoders indexed by opcode number; nil where the number is not a known opcode.
    private static let table: [Decode?] = {
        var table = [Decode?](repeating: nil, count: Int(Opcode.largestRawValue) + 1)
        for (opcode, decode) in sessionDecoders + entryDecoders + fileDecoders + directoryDecoders
            + attributeDecoders {
            precondition(table[Int(opcode.rawValue)] == nil, "two decoders for \(opcode.name)")
            table[Int(opcode.rawValue)] = decode
        }
        return table
    }()
}
