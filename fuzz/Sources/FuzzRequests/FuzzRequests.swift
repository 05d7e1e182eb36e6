import BentoHost
import BentoKit
import BentoServices
import FUSEWire
import FuzzSupport
import MemFS
import XV6FS

// Any bytes as one FUSE request, to a live dispatcher in front of memfs and one in front of xv6fs (on a simulated
// disk): decoding, dispatch and both file systems must answer every input without a trap. The input goes in as it
// is and again with its header's length field made to match (so most inputs get past the length check into the
// operations). The dispatchers keep their state across inputs, as a mount does, and are made afresh every
// `inputsPerMount` inputs (a fuzzer that creates files for a million inputs would otherwise fill memory).

/// Serves inputs to a fresh pair of dispatchers now and then.
enum FuzzRequests: FuzzTarget {
    static let inputsPerMount = 5000
    nonisolated(unsafe) static var dispatchers: [Dispatcher] = []
    nonisolated(unsafe) static var served = 0

    static func run(_ bytes: [UInt8]) {
        if dispatchers.isEmpty || served % inputsPerMount == 0 { dispatchers = mount() }
        served += 1
        var matched = bytes
        if matched.count >= 4 {
            let length = UInt32(matched.count)
            for index in 0..<4 { matched[index] = UInt8(truncatingIfNeeded: length >> (8 * index)) }
        }
        for dispatcher in dispatchers {
            for request in [bytes, matched] {
                _ = request.withUnsafeBytes { dispatcher.handle($0) }
            }
        }
    }

    /// memfs and xv6fs behind dispatchers that have answered INIT, each with a file and a directory.
    static func mount() -> [Dispatcher] {
        let disk = SimulatedDisk(blockCount: 2048)
        guard (try? XV6FS.mkfs(device: disk, options: MkfsOptions(journalBlocks: 256))) != nil,
              let xv6fs = try? XV6FS(device: disk, options: XV6FS.Options(commitInterval: nil)) else {
            fatalError("the fuzz target's xv6fs did not mount")
        }
        let fileSystems: [any FileSystem] = [MemFS(), xv6fs]
        return fileSystems.map { fileSystem in
            let dispatcher = Dispatcher(fileSystem: fileSystem, options: MountOptions())
            let initialize = header(opcode: 26, unique: 1, body: [7, 0, 0, 0, 45, 0, 0, 0] + [UInt8](repeating: 0, count: 56))
            _ = initialize.withUnsafeBytes { dispatcher.handle($0) }
            for (opcode, name) in [(UInt32(9), "d"), (35, "f")] {  // MKDIR, CREATE
                let arguments: [UInt8] = opcode == 9 ? le(0o755) + le(0) : le(0o2) + le(0o100644) + le(0) + le(0)
                let made = header(opcode: opcode, unique: 2, body: arguments + Array(name.utf8) + [0])
                _ = made.withUnsafeBytes { dispatcher.handle($0) }
            }
            return dispatcher
        }
    }

    /// A request: `fuse_in_header` (len, opcode, unique, node 1, uid/gid/pid 0) and `body`.
    static func header(opcode: UInt32, unique: UInt64, body: [UInt8]) -> [UInt8] {
        le(UInt32(40 + body.count)) + le(opcode) + le(unique) + le(UInt64(1)) + le(0) + le(0) + le(0) + le(0) + body
    }

    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput") public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt { FuzzRequests.fuzz(data, count) }
#else
@main enum Replay: ReplayMain { typealias Target = FuzzRequests }
#endif
