import BentoSystem

/// A reader-writer lock (`pthread_rwlock_t`): any number of readers, or one writer. For state read far more often
/// than written (an inode table, a mount-wide superblock); for short critical sections prefer `Mutex`.
/// Not reentrant: taking it again on a thread that holds it deadlocks.
public final class ReadWriteLock: Sendable {
    private let lock = ThreadReadWriteLock()

    /// A new lock, held by nobody.
    public init() {}

    /// Runs `body` holding the lock shared (other readers may run at the same time; writers wait).
    public func withReadLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        lock.lockShared()
        defer { lock.unlock() }
        return try body()
    }

    /// Runs `body` holding the lock exclusively (everyone else waits).
    public func withWriteLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        lock.lockExclusive()
        defer { lock.unlock() }
        return try body()
    }
}
