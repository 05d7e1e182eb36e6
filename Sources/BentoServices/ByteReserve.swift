import Dispatch
import Synchronization

// Fresh memory, faulted in before a request needs it.
//
// Rules: a file system that keeps data in its own memory (memfs) pays, on the request's path, for every page it
// touches for the first time: a page fault, the kernel zeroing the page and charging it to the process. A 1 GiB
// write into memfs is 262,144 such faults, about 60 % of its time (docs/PERFORMANCE.md). A `ByteReserve` makes
// zero-filled arrays of one length ahead of need on a background queue, so the faults happen there (on a core
// the request is not using) and a request takes an array already in memory. It holds at most `depth` arrays; it
// fills only after a `take`, so a mount that never asks costs nothing, and what it holds stays bounded by
// `depth × length` bytes. When it is empty `take` answers nil and the caller allocates as before: the reserve
// only ever moves work, it never makes a request wait.

/// Zero-filled byte arrays of one length, made ahead of need on a background queue.
///
/// ```swift
/// let reserve = ByteReserve(length: 64 * 1024, depth: 256)   // up to 16 MiB held
/// var chunk = reserve.take() ?? []                           // nil until the queue has made some
/// ```
public final class ByteReserve: Sendable {
    /// The length of every array handed out.
    public let length: Int
    /// How many arrays the reserve keeps ready at most.
    public let depth: Int

    private struct State {
        var ready: [[UInt8]] = []
        var filling = false
        var handedOut = 0
    }

    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "bento.byte-reserve", qos: .utility)

    /// A reserve of up to `depth` arrays of `length` zero bytes each, empty until the first `take`.
    public init(length: Int, depth: Int) {
        precondition(length > 0 && depth > 0, "a reserve holds at least one array of at least one byte")
        self.length = length
        self.depth = depth
    }

    /// An array of `length` zero bytes, its pages already in memory, or nil when none is ready (the caller makes
    /// its own). Starts a refill in the background when the reserve is below its depth and none is under way.
    public func take() -> [UInt8]? {
        let (array, startFill) = state.withLock { state -> ([UInt8]?, Bool) in
            let array = state.ready.popLast()
            if array != nil { state.handedOut += 1 }
            let startFill = !state.filling && state.ready.count < depth
            if startFill { state.filling = true }
            return (array, startFill)
        }
        if startFill { queue.async { self.fill() } }
        return array
    }

    /// The arrays ready now.
    public var readyCount: Int { state.withLock { $0.ready.count } }

    /// The arrays `take` has handed out so far.
    public var handedOutCount: Int { state.withLock { $0.handedOut } }

    /// Makes arrays on the calling thread until the reserve holds `depth`: what the background refill runs, and
    /// for a caller that wants the reserve ready now (before a large write it expects; tests). The zeroing, which
    /// is the page faults, happens outside the lock; an array made while another filler filled the reserve is
    /// dropped, so it never holds more than `depth`.
    public func fill() {
        while true {
            let array = [UInt8](repeating: 0, count: length)
            let full = state.withLock { state -> Bool in
                if state.ready.count < depth { state.ready.append(array) }
                guard state.ready.count >= depth else { return false }
                state.filling = false
                return true
            }
            if full { return }
        }
    }
}
