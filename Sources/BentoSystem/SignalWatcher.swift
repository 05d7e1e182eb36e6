#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Turns SIGINT, SIGTERM and SIGHUP into a call on a dedicated thread, where any code may run.
///
/// `blockTerminationSignals()` must run on the main thread before any other thread starts, so every thread
/// inherits the blocked mask and only the watcher's `sigwait` receives the signals.
public enum SignalWatcher {
    /// The signals that end a daemon.
    static let terminationSignals = [SIGINT, SIGTERM, SIGHUP]

    /// Blocks the termination signals in the calling thread (and threads it starts later), and ignores SIGPIPE.
    public static func blockTerminationSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in terminationSignals { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        Glibc.signal(SIGPIPE, SIG_IGN)
    }

    /// Starts a thread that waits for a termination signal and then calls `handler` with its number.
    public static func watch(_ handler: @escaping @Sendable (Int32) -> Void) {
        let thread = Thread {
            var set = sigset_t()
            sigemptyset(&set)
            for signal in terminationSignals { sigaddset(&set, signal) }
            var received: Int32 = 0
            while sigwait(&set, &received) != 0 {}
            handler(received)
        }
        thread.name = "bento-signals"
        thread.start()
    }
}
