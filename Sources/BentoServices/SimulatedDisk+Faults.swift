import BentoKit

/// Fault injection: I/O errors on a chosen read or write, a full disk, and a crash that loses unflushed writes.
/// Reads and writes are counted per block (a multi-block call counts each of its blocks).
extension SimulatedDisk {
    /// Makes the `n`th block read from now (1 = the next) fail with `EIO`, once.
    public func failRead(_ n: Int = 1) {
        state.withLock { $0.faults.readCountdown = max(n, 1) }
    }

    /// Makes the `n`th block write from now (1 = the next) fail with `EIO`, once; the block keeps its contents.
    public func failWrite(_ n: Int = 1) {
        state.withLock { $0.faults.writeCountdown = max(n, 1) }
    }

    /// Lets `blocks` more blocks be written, then fails every write with `ENOSPC` until `clearFaults`.
    public func failWritesWithNoSpace(afterBlocks blocks: Int) {
        state.withLock { $0.faults.writeBudget = max(blocks, 0) }
    }

    /// Cancels every pending injected failure.
    public func clearFaults() {
        state.withLock { $0.faults = Faults() }
    }

    /// Power loss now, losing every write since the last flush: the contents go back to `durableImage`, and the
    /// lost writes leave the operation log (they never reached the disk). The disk keeps working afterwards,
    /// like a machine that rebooted.
    public func crash() {
        state.withLock { state in
            state.current = state.durable
            state.operations.removeLast(state.unflushed.count)
            state.unflushed.removeAll()
        }
    }
}

/// Failures waiting to happen on a `SimulatedDisk` (under its lock).
struct Faults {
    /// Block reads left until one fails (1 = the next); nil for none.
    var readCountdown: Int?
    /// Block writes left until one fails (1 = the next); nil for none.
    var writeCountdown: Int?
    /// Blocks that may still be written before `ENOSPC`; nil for no limit.
    var writeBudget: Int?

    /// Counts a block read, throwing `EIO` if it is the one chosen to fail.
    mutating func beforeRead() throws(Errno) {
        guard let countdown = readCountdown else { return }
        readCountdown = countdown > 1 ? countdown - 1 : nil
        if countdown == 1 { throw .ioError }
    }

    /// Counts a block write, throwing `EIO` if it is the one chosen to fail, or `ENOSPC` once the budget is spent.
    mutating func beforeWrite() throws(Errno) {
        if let countdown = writeCountdown {
            writeCountdown = countdown > 1 ? countdown - 1 : nil
            if countdown == 1 { throw .ioError }
        }
        if let budget = writeBudget {
            guard budget > 0 else { throw .noSpace }
            writeBudget = budget - 1
        }
    }
}
