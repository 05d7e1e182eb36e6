import BentoKit
import BentoSystem
import Synchronization

/// The file system a `Dispatcher` serves, behind a reader-writer gate: every request passes it shared (one atomic
/// add in, one atomic subtract out), and a live upgrade closes it to swap the file system with no call running.
///
/// While the gate is closed, arriving requests sleep in `enter` (and the kernel queues the rest in `/dev/fuse`);
/// `exclusively` first runs its `preparing` step with the gate still open (the file system holds back its long
/// waits), then waits for the requests already inside to leave, runs its body, then reopens and wakes them.
/// A request the file system asked to retry sleeps in `waitForUpgrade` until all of that is over.
///
/// `@unchecked Sendable`: `current` is written only by `exclusively`, with the gate closed and empty, and read only
/// between `enter` and `leave` (or by `exclusively` itself). The acquiring add of `enter` and the releasing reopen
/// of `exclusively` order those accesses; `replace` checks that the gate is closed.
final class FileSystemGate: @unchecked Sendable {
    /// Requests inside, plus `closedBit` while an upgrade holds the gate.
    private let state = Atomic<Int>(0)
    private static let closedBit = 1 << 62
    /// Serializes upgrades.
    private let closers = Mutex<Void>(())
    /// Guards the sleeping on `changed` (requests waiting to enter, an upgrade waiting for the gate to empty).
    private let mutex = ThreadMutex()
    private let changed = ThreadCondition()
    private var current: any FileSystem
    /// An upgrade is under way (from `preparing` to the reopening); guarded by `mutex`.
    private var upgrading = false

    /// A gate in front of `fileSystem`, open.
    init(_ fileSystem: any FileSystem) { current = fileSystem }

    /// The file system; read it only between `enter` and `leave`.
    var fileSystem: any FileSystem { current }

    /// Passes the gate shared, sleeping while an upgrade holds it.
    @inline(__always)
    func enter() {
        while state.wrappingAdd(1, ordering: .acquiring).newValue & Self.closedBit != 0 {
            leave()
            mutex.withLock { while isClosed { changed.wait(mutex) } }
        }
    }

    /// Leaves the gate; the last request out of a closing gate wakes the upgrade waiting for it.
    @inline(__always)
    func leave() {
        if state.wrappingSubtract(1, ordering: .releasing).newValue == Self.closedBit {
            mutex.withLock { changed.broadcast() }
        }
    }

    /// Runs `preparing` with the gate open, closes the gate, waits until every request inside has left, runs
    /// `body` (which may replace the file system), then reopens the gate and wakes the requests that waited.
    /// One upgrade at a time.
    func exclusively<Result, Failure: Error>(
        preparing: () -> Void = {},
        _ body: (_ replace: (any FileSystem) -> Void) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try closers.withLock { _ throws(Failure) -> Result in
            mutex.withLock { upgrading = true }
            defer {
                mutex.withLock {
                    upgrading = false
                    changed.broadcast()
                }
            }
            preparing()
            state.bitwiseOr(Self.closedBit, ordering: .acquiringAndReleasing)
            mutex.withLock { while state.load(ordering: .acquiring) != Self.closedBit { changed.wait(mutex) } }
            defer {
                state.bitwiseAnd(~Self.closedBit, ordering: .acquiringAndReleasing)
                mutex.withLock { changed.broadcast() }
            }
            return try body { replacement in
                precondition(state.load(ordering: .acquiring) == Self.closedBit, "file system replaced with the gate open")
                current = replacement
            }
        }
    }

    /// Sleeps until no upgrade is under way (call outside the gate).
    func waitForUpgrade() {
        mutex.withLock { while upgrading || isClosed { changed.wait(mutex) } }
    }

    private var isClosed: Bool { state.load(ordering: .acquiring) & Self.closedBit != 0 }
}
