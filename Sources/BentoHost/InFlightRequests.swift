import BentoKit
import Synchronization

/// The requests being served, by unique id, so that FUSE_INTERRUPT can raise the `Interruption` flag of the
/// one it names. Sharded by id so that worker threads registering requests rarely meet on one lock.
final class InFlightRequests: Sendable {
    /// One lock-protected part of the table.
    private final class Shard: Sendable {
        let requests = Mutex<[UInt64: Interruption]>([:])
    }

    private static let shardCount = 16
    private let shards: [Shard] = (0..<shardCount).map { _ in Shard() }

    private func shard(_ unique: UInt64) -> Shard {
        // The kernel numbers requests in steps of 2 (the low bit marks interrupts): spread on the bits above it.
        shards[Int((unique >> 1) % UInt64(Self.shardCount))]
    }

    /// Registers request `unique` and returns the flag its file-system call will see.
    func begin(_ unique: UInt64) -> Interruption {
        let interruption = Interruption()
        shard(unique).requests.withLock { $0[unique] = interruption }
        return interruption
    }

    /// Forgets request `unique` once it is answered.
    func end(_ unique: UInt64) {
        _ = shard(unique).requests.withLock { $0.removeValue(forKey: unique) }
    }

    /// Raises the flag of request `unique`; ignored when no such request is being served.
    func interrupt(_ unique: UInt64) {
        shard(unique).requests.withLock { $0[unique] }?.raise()
    }
}
