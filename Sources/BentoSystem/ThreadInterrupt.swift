#if canImport(Glibc)
import Glibc
#endif

/// Ends another thread's blocking wait: a signal (SIGUSR2) with a handler that does nothing, installed without
/// `SA_RESTART`, so the thread's system call returns `EINTR` (`interruptibleSystemCall`) and the thread can look
/// at why it was woken. Used to stop the `/dev/fuse` workers blocked in `read(2)` before a daemon hands its mount
/// to another process: the kernel wakes such a read only for a request, an abort or a signal.
///
/// A signal that arrives just before the thread enters its wait is lost, so callers repeat `interrupt` until the
/// thread has answered.
public enum ThreadInterrupt {
    /// A thread that can be interrupted.
    public struct Thread: Sendable, Hashable {
        let id: UInt
    }

    /// The signal used.
    static let signal = SIGUSR2

    /// Installs the handler once per process (idempotent); call before starting threads to interrupt.
    public static func install() {
        _ = installed
    }

    private static let installed: Bool = {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        action.sa_flags = 0  // no SA_RESTART: the interrupted call returns EINTR
        sigemptyset(&action.sa_mask)
        return sigaction(signal, &action, nil) == 0
    }()

    /// The calling thread, made interruptible: the signal is unblocked in it (a process inherits its signal mask
    /// from whoever started it, and a test harness, for one, starts daemons with most signals blocked).
    public static var current: Thread {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signal)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        return Thread(id: UInt(pthread_self()))
    }

    /// Interrupts `thread`'s blocking system call, if it is in one (it must still be running).
    public static func interrupt(_ thread: Thread) {
        _ = pthread_kill(pthread_t(thread.id), signal)
    }
}
