#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// pthread primitives for code that needs what `Synchronization.Mutex` cannot give: a condition variable that waits
// on the mutex (the buffer cache's per-buffer waiters), and a reader-writer lock. Each primitive lives in memory
// allocated once and never moved (pthread objects must not be copied), freed in `deinit`.

/// A `pthread_mutex_t` that condition variables can wait on.
///
/// `@unchecked Sendable`: the pointer is immutable and the pthread object it points to is itself thread-safe.
public final class ThreadMutex: @unchecked Sendable {
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>

    /// A new, unlocked mutex.
    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Takes the mutex, waiting while another thread holds it.
    @inlinable public func lock() { pthread_mutex_lock(mutex) }

    /// Gives the mutex back; only the thread that took it may.
    @inlinable public func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` with the mutex held.
    @inlinable
    public func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// A `pthread_cond_t`: threads wait on it with a `ThreadMutex` held and are woken by `signal` or `broadcast`.
///
/// `@unchecked Sendable`: the pointer is immutable and the pthread object it points to is itself thread-safe.
public final class ThreadCondition: @unchecked Sendable {
    @usableFromInline let condition: UnsafeMutablePointer<pthread_cond_t>

    /// A new condition variable with no waiters.
    public init() {
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
    }

    /// Releases `mutex` (which the caller holds), sleeps until woken, and takes `mutex` again. Wake-ups may be
    /// spurious: callers wait in a loop over their condition.
    @inlinable public func wait(_ mutex: ThreadMutex) { pthread_cond_wait(condition, mutex.mutex) }

    /// Wakes one waiting thread, if any.
    @inlinable public func signal() { pthread_cond_signal(condition) }

    /// Wakes every waiting thread.
    @inlinable public func broadcast() { pthread_cond_broadcast(condition) }
}

/// A `pthread_rwlock_t`: many readers or one writer.
///
/// `@unchecked Sendable`: the pointer is immutable and the pthread object it points to is itself thread-safe.
public final class ThreadReadWriteLock: @unchecked Sendable {
    @usableFromInline let lock: UnsafeMutablePointer<pthread_rwlock_t>

    /// A new lock, held by nobody.
    public init() {
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    /// Takes the lock shared, waiting while a writer holds it.
    @inlinable public func lockShared() { pthread_rwlock_rdlock(lock) }

    /// Takes the lock exclusively, waiting while anyone holds it.
    @inlinable public func lockExclusive() { pthread_rwlock_wrlock(lock) }

    /// Gives back the lock, shared or exclusive.
    @inlinable public func unlock() { pthread_rwlock_unlock(lock) }
}

/// The calling thread's identity (`pthread_self`), to recognise a thread coming back for something it holds.
@inlinable
public func currentThreadIdentity() -> UInt { UInt(pthread_self()) }
