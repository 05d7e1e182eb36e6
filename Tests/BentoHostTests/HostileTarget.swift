import BentoHost
import BentoKit
import BentoServices
import Foundation
import FUSEWire
import MemFS
import PassthroughFS
import Testing
import XV6FS

// The file systems the hostile-number tests aim at, each behind a real dispatcher, and the requests they send.

/// Numbers on some boundary: block size ± 1, 2³¹ ± 1, 2³² ± 1, 2⁶³ − 1, 2⁶³, `UInt64.max`, and offsets just past
/// the end of the file the sweep writes (`HostileTarget.fileSize`).
enum Extremes {
    static let u64: [UInt64] = [
        0, 1, 4095, 4096, 4097, HostileTarget.fileSize, HostileTarget.fileSize + 1,
        1 << 31 - 1, 1 << 31, 1 << 31 + 1, 1 << 32 - 1, 1 << 32, 1 << 32 + 1, 1 << 40, 1 << 62,
        UInt64(Int64.max), 1 << 63, .max,
    ]
    static let u32: [UInt32] = [0, 1, 4095, 4096, 4097, 1 << 31 - 1, 1 << 31, .max]
}

/// Which file system a hostile-number test runs against.
enum HostileKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memfs, xv6fs, passthrough
    var testDescription: String { rawValue }
}

/// A file system behind a started dispatcher, requests sent as root, and every badly formed reply noted.
final class HostileTarget {
    /// Bytes written to `f` before the sweep.
    static let fileSize: UInt64 = 10_000

    let kind: HostileKind
    let fileSystem: any FileSystem
    let dispatcher: Dispatcher
    /// The simulated disk under xv6fs, for fsck after the sweep.
    let disk: SimulatedDisk?
    /// The host directory under passthrough, removed at the end.
    let hostDirectory: String?
    private var unique: UInt64 = 2
    /// Requests whose reply was missing or malformed.
    private(set) var problems: [String] = []

    init(_ kind: HostileKind) throws {
        self.kind = kind
        switch kind {
        case .memfs:
            fileSystem = MemFS(options: .init(capacity: 64 << 20))
            (disk, hostDirectory) = (nil, nil)
        case .xv6fs:
            let disk = SimulatedDisk(blockCount: 16384)
            try XV6FS.mkfs(device: disk)
            fileSystem = try XV6FS(device: disk, options: .init(commitInterval: nil))
            (self.disk, hostDirectory) = (disk, nil)
        case .passthrough:
            let path = "/tmp/bento-hostile-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            fileSystem = try PassthroughFS(root: path)
            (disk, hostDirectory) = (nil, path)
        }
        dispatcher = Dispatcher(fileSystem: fileSystem, options: MountOptions())
        _ = dispatcher.handle(initRequest(flags: kernelOffer))
    }

    deinit {
        if let hostDirectory { try? FileManager.default.removeItem(atPath: hostDirectory) }
    }

    /// Sends `body` as `opcode` on `node` from root; notes a missing, unexpected or malformed reply as `what`.
    @discardableResult
    func send(_ opcode: Opcode, node: UInt64 = 1, _ body: [UInt8] = [], _ what: @autoclosure () -> String) -> ParsedReply? {
        unique += 2
        let bytes = request(opcode, unique: unique, nodeID: node, uid: 0, body)
        let reply = dispatcher.handle(bytes)
        guard Opcode.expectsReply(opcode.rawValue) else {
            if reply != nil { problems.append("\(what()): a reply to a request that takes none") }
            return nil
        }
        guard let reply, reply.isWellFormed(for: bytes) else {
            problems.append("\(what()): no well-formed reply")
            return nil
        }
        return ParsedReply(reply)
    }

    /// Sends a request that must succeed and returns its reply; throws when it fails.
    func require(_ opcode: Opcode, node: UInt64 = 1, _ body: [UInt8], _ what: String) throws -> ParsedReply {
        guard let reply = send(opcode, node: node, body, what), reply.error == 0 else {
            throw HostileSetupError(what: what)
        }
        return reply
    }

    /// Notes `what` unless `reply` carries `errno` (nil: success) and, for success, `isExpected` holds.
    func expect(_ reply: ParsedReply?, _ errno: Errno?, _ what: String, _ isExpected: (ParsedReply) -> Bool = { _ in true }) {
        guard let reply else { return }
        let wanted = -(errno?.rawValue ?? 0)
        if reply.error != wanted || (errno == nil && !isExpected(reply)) {
            problems.append("\(what): got error \(reply.error), body \(reply.body.count) bytes; want \(wanted)")
        }
    }
}

/// A request the sweep needed to succeed failed.
struct HostileSetupError: Error, CustomStringConvertible {
    let what: String
    var description: String { "setup failed: \(what)" }
}

// Request bodies, field by field as in `fuse.h`.

/// `fuse_create_in { flags, mode, umask, open_flags }` and the name.
func createIn(_ name: String, flags: UInt32 = 0o2, mode: UInt32 = 0o100644, umask: UInt32 = 0) -> [UInt8] {
    u32(flags) + u32(mode) + u32(umask) + u32(0) + cString(name)
}

/// `fuse_write_in { fh, offset, size, write_flags, lock_owner, flags, padding }` and the data.
func writeIn(handle: UInt64, offset: UInt64, _ data: [UInt8]) -> [UInt8] {
    u64(handle) + u64(offset) + u32(UInt32(data.count)) + u32(0) + u64(0) + u32(0) + u32(0) + data
}

/// `fuse_setattr_in`: `valid`, then fh, size, atime, mtime (with nanoseconds), mode, uid, gid.
func setattrIn(valid: UInt32, handle: UInt64 = 0, size: UInt64 = 0, time: UInt64 = 0, nanoseconds: UInt32 = 0,
               mode: UInt32 = 0, owner: UInt32 = 0) -> [UInt8] {
    u32(valid) + u32(0) + u64(handle) + u64(size) + u64(0)          // valid, padding, fh, size, lock_owner
        + u64(time) + u64(time) + u64(time)                         // atime, mtime, ctime
        + u32(nanoseconds) + u32(nanoseconds) + u32(nanoseconds)    // atimensec, mtimensec, ctimensec
        + u32(mode) + u32(0) + u32(owner) + u32(owner) + u32(0)     // mode, unused, uid, gid, unused
}

/// `fuse_release_in { fh, flags, release_flags, lock_owner }`.
func releaseIn(_ handle: UInt64) -> [UInt8] { u64(handle) + u32(0) + u32(0) + u64(0) }
