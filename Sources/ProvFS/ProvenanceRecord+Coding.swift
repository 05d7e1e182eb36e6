import BentoKit

// The bytes of a provenance record, as xv6fs frames them into the image's operation log (`docs/XV6FS-FORMAT.md`
// has the framing; this is the payload). Compact, since every change writes one:
//
//     version (1 byte, 1)   kind (1 byte, `kindCodes`)   seconds (zigzag varint)   nanoseconds, pid, uid, gid,
//     inode (varints)   then the kind's fields, each: tag (1 byte), length (varint), value
//
// A value is a varint (integers, booleans), UTF-8 bytes (strings) or, for the command line, a varint count then
// each argument as a varint length and its bytes. A reader skips tags it does not know, so later versions can
// add fields; an unknown version or kind, or a length past the end, is a damaged record.

extension ProvenanceRecord {
    /// The kinds by their code in the log: append only, never reorder.
    static let kindCodes: [Kind] = [.process, .create, .link, .unlink, .rename, .setattr, .write, .close, .setxattr,
                                    .removexattr, .fallocate, .chattr]

    /// The field tags: append only, never reorder.
    private enum Tag: UInt8 {
        case type = 1, parent, name, newParent, newName, replaced, exchanged, last, offset, length, size, mode,
             attribute, bytesRead, bytesWritten, firstRead, firstWrite, parentPid, executable, commandLine, processGroup,
             newUID, newGID, times, flags, started
    }

    /// The times a setattr may set, by their bit in the `times` field: append only.
    private static let timeNames = ["atime", "mtime"]

    /// The record's payload bytes, written into one array (no array per field: a record is made for every change).
    public var encoded: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + (name?.utf8.count ?? 0) + (newName?.utf8.count ?? 0))
        out.append(1)
        out.append(UInt8(Self.kindCodes.firstIndex(of: kind) ?? 0))
        out.appendVarint(UInt64(bitPattern: (seconds << 1) ^ (seconds >> 63)))
        out.appendVarint(UInt64(nanoseconds))
        out.appendVarint(UInt64(pid))
        out.appendVarint(UInt64(uid))
        out.appendVarint(UInt64(gid))
        out.appendVarint(inode)
        func number(_ tag: Tag, _ value: UInt64?) {
            guard let value else { return }
            out.append(tag.rawValue)
            out.appendVarint(UInt64([UInt8].varintSize(value)))
            out.appendVarint(value)
        }
        func text(_ tag: Tag, _ value: String?) {
            guard let value else { return }
            out.append(tag.rawValue)
            out.appendVarint(UInt64(value.utf8.count))
            out.append(contentsOf: value.utf8)
        }
        text(.type, type)
        number(.parent, parent)
        text(.name, name)
        number(.newParent, newParent)
        text(.newName, newName)
        number(.replaced, replaced)
        number(.exchanged, exchanged.map { $0 ? 1 : 0 })
        number(.last, last.map { $0 ? 1 : 0 })
        number(.offset, offset)
        number(.length, length)
        number(.size, size)
        number(.mode, mode.map(UInt64.init))
        number(.newUID, newUID.map(UInt64.init))
        number(.newGID, newGID.map(UInt64.init))
        number(.times, times.map { names in
            names.reduce(0) { bits, name in bits | (Self.timeNames.firstIndex(of: name).map { UInt64(1) << $0 } ?? 0) }
        })
        number(.flags, flags.map(UInt64.init))
        number(.started, started)
        text(.attribute, attribute)
        number(.bytesRead, bytesRead)
        number(.bytesWritten, bytesWritten)
        number(.firstRead, firstRead)
        number(.firstWrite, firstWrite)
        number(.parentPid, parentPid.map(UInt64.init))
        text(.executable, executable)
        number(.processGroup, processGroup.map(UInt64.init))
        if let commandLine {
            let length = commandLine.reduce([UInt8].varintSize(UInt64(commandLine.count))) { total, argument in
                total + [UInt8].varintSize(UInt64(argument.utf8.count)) + argument.utf8.count
            }
            out.append(Tag.commandLine.rawValue)
            out.appendVarint(UInt64(length))
            out.appendVarint(UInt64(commandLine.count))
            for argument in commandLine {
                out.appendVarint(UInt64(argument.utf8.count))
                out.append(contentsOf: argument.utf8)
            }
        }
        return out
    }

    /// Decodes a payload; `EINVAL` for a damaged one (see the format above).
    public init(decoding bytes: [UInt8]) throws(Errno) {
        var input = VarintReader(bytes)
        guard try input.byte() == 1 else { throw .invalidArgument }
        let code = Int(try input.byte())
        guard code < Self.kindCodes.count else { throw .invalidArgument }
        let zigzag = try input.varint()
        let seconds = Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
        let nanoseconds = try input.varint(below: 1_000_000_000)
        self.init(kind: Self.kindCodes[code], time: Timestamp(seconds: seconds, nanoseconds: UInt32(nanoseconds)),
                  pid: UInt32(try input.varint(below: 1 << 32)), uid: UInt32(try input.varint(below: 1 << 32)),
                  gid: UInt32(try input.varint(below: 1 << 32)), inode: try input.varint())
        while !input.isAtEnd {
            let tag = try input.byte()
            var value = VarintReader(try input.bytes(Int(try input.varint(below: UInt64(bytes.count)))))
            func text() -> String { String(decoding: value.rest, as: UTF8.self) }
            switch Tag(rawValue: tag) {
            case .type?: type = text()
            case .parent?: parent = try value.varint()
            case .name?: name = text()
            case .newParent?: newParent = try value.varint()
            case .newName?: newName = text()
            case .replaced?: replaced = try value.varint()
            case .exchanged?: exchanged = try value.varint() != 0
            case .last?: last = try value.varint() != 0
            case .offset?: offset = try value.varint()
            case .length?: length = try value.varint()
            case .size?: size = try value.varint()
            case .mode?: mode = UInt32(try value.varint(below: 1 << 32))
            case .newUID?: newUID = UInt32(try value.varint(below: 1 << 32))
            case .newGID?: newGID = UInt32(try value.varint(below: 1 << 32))
            case .times?:
                let bits = try value.varint()
                times = Self.timeNames.indices.filter { bits & (1 << $0) != 0 }.map { Self.timeNames[$0] }
            case .flags?: flags = UInt32(try value.varint(below: 1 << 32))
            case .started?: started = try value.varint()
            case .attribute?: attribute = text()
            case .bytesRead?: bytesRead = try value.varint()
            case .bytesWritten?: bytesWritten = try value.varint()
            case .firstRead?: firstRead = try value.varint()
            case .firstWrite?: firstWrite = try value.varint()
            case .parentPid?: parentPid = UInt32(try value.varint(below: 1 << 32))
            case .executable?: executable = text()
            case .processGroup?: processGroup = UInt32(try value.varint(below: 1 << 32))
            case .commandLine?:
                var arguments: [String] = []
                for _ in 0..<(try value.varint(below: UInt64(bytes.count) + 1)) {
                    arguments.append(String(decoding: try value.bytes(Int(try value.varint(below: UInt64(bytes.count)))), as: UTF8.self))
                }
                commandLine = arguments
            case nil: break  // a later version's field
            }
        }
    }
}

extension [UInt8] {
    /// Appends `value` as a LEB128 varint (7 bits a byte, low first).
    mutating func appendVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        append(UInt8(rest))
    }

    /// The bytes `appendVarint(value)` appends.
    static func varintSize(_ value: UInt64) -> Int {
        Swift.max(1, (64 - value.leadingZeroBitCount + 6) / 7)
    }
}

/// Reads a record's bytes: single bytes, varints and byte runs; `EINVAL` past the end or for an overlong varint.
struct VarintReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position >= bytes.count }
    /// What is left.
    var rest: ArraySlice<UInt8> { bytes[position...] }

    mutating func byte() throws(Errno) -> UInt8 {
        guard position < bytes.count else { throw .invalidArgument }
        position += 1
        return bytes[position - 1]
    }

    mutating func varint() throws(Errno) -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: UInt64(0), to: 70, by: 7) {
            let byte = try byte()
            guard shift < 63 || byte <= 1 else { throw .invalidArgument }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
        }
        throw .invalidArgument
    }

    /// A varint that must be below `limit`.
    mutating func varint(below limit: UInt64) throws(Errno) -> UInt64 {
        let value = try varint()
        guard value < limit else { throw .invalidArgument }
        return value
    }

    mutating func bytes(_ count: Int) throws(Errno) -> [UInt8] {
        guard count >= 0, count <= bytes.count - position else { throw .invalidArgument }
        position += count
        return Array(bytes[position - count..<position])
    }
}
