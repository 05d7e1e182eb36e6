import BentoKit
import FUSEWire
import Synchronization

/// Requests received per opcode, for `bento stats`: one relaxed atomic increment per request.
final class RequestCounters: Sendable {
    /// Slot 0 counts opcodes Bento does not know; slot n counts opcode n.
    private let counts = InlineArray<64, Atomic<UInt64>> { _ in Atomic(0) }

    init() {
        precondition(Int(Opcode.largestRawValue) < counts.count, "RequestCounters has no slot for every opcode")
    }

    /// The slot of opcode number `opcode`: its number, or 0 for one Bento does not know.
    static func slot(_ opcode: UInt32) -> Int { Opcode(rawValue: opcode) == nil ? 0 : Int(opcode) }

    /// Counts one request with opcode number `opcode`.
    func record(_ opcode: UInt32) {
        counts[Self.slot(opcode)].wrappingAdd(1, ordering: .relaxed)
    }

    /// The count for a known opcode.
    func count(_ opcode: Opcode) -> UInt64 { counts[Int(opcode.rawValue)].load(ordering: .relaxed) }

    /// The count of requests with opcodes Bento does not know.
    var unknown: UInt64 { counts[0].load(ordering: .relaxed) }
}

extension Dispatcher {
    /// Requests received so far for each opcode that has been seen, malformed ones included.
    public var requestCounts: [Opcode: UInt64] {
        var result: [Opcode: UInt64] = [:]
        for opcode in Opcode.allCases {
            let count = counters.count(opcode)
            if count > 0 { result[opcode] = count }
        }
        return result
    }

    /// The median, 99th percentile and longest time the daemon took to serve each opcode seen, in nanoseconds
    /// (`RequestLatencies`).
    public var requestLatencies: [Opcode: (median: UInt64, p99: UInt64, longest: UInt64)] {
        var result: [Opcode: (median: UInt64, p99: UInt64, longest: UInt64)] = [:]
        for opcode in Opcode.allCases {
            guard let median = latencies.percentile(0.5, of: opcode), let p99 = latencies.percentile(0.99, of: opcode) else {
                continue
            }
            result[opcode] = (median, p99, latencies.longest(of: opcode))
        }
        return result
    }

    /// Requests received so far with opcodes Bento does not know.
    public var unknownRequestCount: UInt64 { counters.unknown }

    /// Why the file system stopped taking changes, if it did (`FileSystem.failure`), read inside the gate.
    public var fileSystemFailure: String? {
        gate.enter()
        defer { gate.leave() }
        return fileSystem.failure
    }

    /// What the file system warns about while it serves (`FileSystem.warnings`), read inside the gate.
    public var fileSystemWarnings: [String] {
        gate.enter()
        defer { gate.leave() }
        return fileSystem.warnings
    }

    /// The file system's report `topic` (`FileSystem.report`), made inside the gate.
    public func fileSystemReport(_ topic: String) throws(Errno) -> String {
        gate.enter()
        defer { gate.leave() }
        return try fileSystem.report(topic)
    }

    /// The file system's own counters, read inside the gate (an upgrade never swaps the file system under it).
    public var fileSystemCounters: [FileSystemCounter] {
        gate.enter()
        defer { gate.leave() }
        return fileSystem.counters
    }
}
