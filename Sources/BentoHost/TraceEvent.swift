import BentoKit
import FUSEWire
import Foundation

/// One request as `bento trace` shows it: when it came, who sent it, what it asked and how it ended.
///
/// Events cross the control socket as one JSON object per line (`bento trace --json` prints them as they come);
/// names are shown as UTF-8, a byte that is not becoming U+FFFD.
public struct TraceEvent: Sendable, Hashable, Codable {
    /// When the request arrived, in seconds since 1970.
    public var time: Double
    /// The kernel's request id.
    public var unique: UInt64
    /// The opcode's name as `fuse.h` has it without `FUSE_` (`LOOKUP`), or `OPCODE_<n>` for one Bento does not know.
    public var op: String
    /// The node the request is about (the header's node id).
    public var node: UInt64
    /// The calling process.
    public var pid: UInt32
    /// The caller's user id.
    public var uid: UInt32
    /// The name the request carries (lookup, create, unlink, rename's source, an attribute's name...), if any.
    public var name: String?
    /// Rename's and link's new name.
    public var newName: String?
    /// Read's and write's offset.
    public var offset: UInt64?
    /// Bytes asked for (read, readdir) or carried (write, setxattr).
    public var size: UInt64?
    /// 0 on success, else the errno the reply carried (or would have: requests without a reply show what the
    /// dispatcher made of them).
    public var errno: Int32
    /// How long the daemon took to serve it, in nanoseconds.
    public var latency: UInt64

    /// The event as one line of JSON (no newline).
    public var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{}"
    }

    /// The event as a line for people: `12:00:01.000042 pid 812 uid 0 LOOKUP node 1 "a.txt" → ENOENT 12 µs`.
    public var textLine: String {
        var words = [Self.clock(time), "pid \(pid)", "uid \(uid)", op, "node \(node)"]
        if let name { words.append(Self.quoted(name)) }
        if let newName { words.append("→ " + Self.quoted(newName)) }
        if let offset { words.append("at \(offset)") }
        if let size { words.append("size \(size)") }
        let outcome = errno == 0 ? "ok" : Errno(rawValue: errno).description
        words.append("= \(outcome) in \(latency / 1000) µs")
        return words.joined(separator: " ")
    }

    /// `HH:MM:SS.micro` in UTC.
    private static func clock(_ time: Double) -> String {
        let seconds = Int(time.rounded(.down)), micros = Int((time - Double(seconds)) * 1_000_000)
        let day = ((seconds % 86_400) + 86_400) % 86_400
        return String(format: "%02d:%02d:%02d.%06d", day / 3600, day / 60 % 60, day % 60, micros)
    }

    /// `name` in double quotes with control characters escaped, so a name cannot move the terminal.
    private static func quoted(_ name: String) -> String {
        var result = "\""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "\"", "\\": result += "\\" + String(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: result += String(format: "\\x%02x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

extension TraceEvent {
    /// The event decoded from a JSON line; nil for anything else.
    public init?(jsonLine: some StringProtocol) {
        guard let event = try? JSONDecoder().decode(TraceEvent.self, from: Data(jsonLine.utf8)) else { return nil }
        self = event
    }

    /// The event for a request that arrived at `arrived` (wall clock) and took `latency`: what `decoded` asked (nil
    /// when it did not decode; `opcode` and `unique` then come from the peeked header) and the errno it ended with.
    init(arrived: Date, latency: Duration, opcode: UInt32, unique: UInt64, decoded: DecodedRequest?, errno: Int32) {
        time = arrived.timeIntervalSince1970
        self.unique = unique
        op = Opcode(rawValue: opcode)?.name ?? "OPCODE_\(opcode)"
        node = decoded?.header.nodeID.rawValue ?? 0
        pid = decoded?.header.pid ?? 0
        uid = decoded?.header.uid.rawValue ?? 0
        self.errno = errno
        self.latency = UInt64(clamping: latency.nanoseconds)
        guard let operation = decoded?.operation else { return }
        (name, newName, offset, size) = Self.arguments(of: operation)
    }

    /// The names, offset and size an operation carries.
    private static func arguments(of operation: FUSEWire.Operation)
        -> (name: String?, newName: String?, offset: UInt64?, size: UInt64?) {
        func text(_ name: FileName) -> String { String(decoding: name.bytes, as: UTF8.self) }
        func text(_ name: XattrName) -> String { String(decoding: name.bytes, as: UTF8.self) }
        switch operation {
        case .lookup(let name), .unlink(let name), .rmdir(let name), .mknod(let name, _, _, _), .mkdir(let name, _, _),
             .create(let name, _, _, _), .symlink(let name, _):
            return (text(name), nil, nil, nil)
        case .rename(let name, _, let newName, _):
            return (text(name), text(newName), nil, nil)
        case .link(_, let newName):
            return (nil, text(newName), nil, nil)
        case .read(_, let offset, let size):
            return (nil, nil, offset, UInt64(size))
        case .write(_, let offset, let data, _):
            return (nil, nil, offset, UInt64(data.count))
        case .readdir(_, let offset, let size), .readdirplus(_, let offset, let size):
            return (nil, nil, offset, UInt64(size))
        case .setxattr(let name, let value, _):
            return (text(name), nil, nil, UInt64(value.count))
        case .getxattr(let name, let size):
            return (text(name), nil, nil, UInt64(size))
        case .removexattr(let name):
            return (text(name), nil, nil, nil)
        default:
            return (nil, nil, nil, nil)
        }
    }
}
