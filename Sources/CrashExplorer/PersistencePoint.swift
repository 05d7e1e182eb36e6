import BentoKit
import BentoServices
import Synchronization

/// A moment at which the explorer simulates a power loss.
public struct CrashPoint: Sendable, Hashable, CustomStringConvertible {
    /// What the workload was doing.
    public enum Phase: String, Sendable, Hashable {
        /// Inside the step's core operation (at one of its flushes).
        case operation
        /// Inside the step's persistence operation, before it returned (at one of its flushes).
        case persistence
        /// Right after the persistence operation returned: the persistence point itself.
        case persisted
    }

    /// The step (1-based).
    public var step: Int
    /// Where in the step.
    public var phase: Phase
    /// The number of the device flush about to be issued (1-based, counted from the end of the setup); nil at
    /// a persistence point.
    public var flush: Int?

    /// `step 2, persistence, before flush 5`.
    public var description: String {
        "step \(step), \(phase.rawValue)" + (flush.map { ", before flush \($0)" } ?? "")
    }
}

/// One crash state to check: where it was taken and what the disk held.
public struct RecordedCrash: Sendable {
    /// The moment.
    public var point: CrashPoint
    /// The disk after the crash, and which unflushed writes landed.
    public var state: CrashState
    /// How many writes were in flight (unflushed) at the moment.
    public var inFlight: Int
}

/// The device the file system under test writes to: forwards everything to a `SimulatedDisk` and, before every
/// flush and at every persistence point, records the crash states possible at that moment.
///
/// Capture before a flush covers every crash since the previous flush: each earlier moment's state is the
/// durable image plus a prefix of the same writes, hence one of the subsets. The cap: when the `2ⁿ` subsets
/// of the `n` writes in flight exceed `limit`, `SimulatedDisk.crashStates` samples `limit` of them (nothing
/// landed, everything landed, then seeded random subsets).
final class RecordingDevice: BlockDeviceFilter {
    /// The disk underneath.
    let disk: SimulatedDisk
    private let limit: Int
    private let seed: UInt64
    /// The step and phase running now (nil while not recording), the flushes seen and the crashes recorded.
    private let recording = Mutex<(moment: (step: Int, phase: CrashPoint.Phase)?, flushes: Int, crashes: [RecordedCrash])>((nil, 0, []))

    /// A recorder over `disk` keeping at most `limit` crash states per moment, sampled with `seed`.
    init(disk: SimulatedDisk, limit: Int, seed: UInt64) {
        self.disk = disk
        self.limit = limit
        self.seed = seed
    }

    var underlying: any BlockDevice { disk }

    /// Records the crash states possible just before the flush, then flushes.
    func flush() throws(Errno) {
        let moment = recording.withLock { recording in
            recording.flushes += 1
            return recording.moment.map { CrashPoint(step: $0.step, phase: $0.phase, flush: recording.flushes) }
        }
        if let moment { capture(moment) }
        try disk.flush()
    }

    /// Starts (or, with nil, stops) recording, attributing flushes to this step and phase.
    func enter(step: Int, phase: CrashPoint.Phase) {
        recording.withLock { $0.moment = (step, phase) }
    }

    /// Records the crash states possible at a persistence point.
    func persisted(step: Int) {
        capture(CrashPoint(step: step, phase: .persisted, flush: nil))
    }

    /// Every crash recorded, in order.
    var crashes: [RecordedCrash] { recording.withLock { $0.crashes } }

    private func capture(_ point: CrashPoint) {
        let index = recording.withLock { UInt64($0.crashes.count) }
        let inFlight = disk.unflushedWrites.count
        let states = disk.crashStates(.anySubset, limit: limit, seed: seed &+ index &* 0x9E37_79B9)
        let recorded = states.map { RecordedCrash(point: point, state: $0, inFlight: inFlight) }
        recording.withLock { $0.crashes += recorded }
    }
}
