import BentoSystem
import Foundation
import Synchronization

/// Who is watching a mount's requests (`bento trace`): the dispatcher hands each served request to every
/// subscriber whose filter takes it.
///
/// Costs nothing measurable when nobody traces: the dispatcher reads one relaxed atomic per request and builds no
/// event. With subscribers, an event is built once and appended to each taker's bounded queue under a short
/// lock; a subscriber that does not keep up loses events (counted, and reported to it) rather than slowing the
/// mount: a trace never holds back a request.
public final class RequestTracer: Sendable {
    /// What a subscriber wants: opcodes (names, as `TraceEvent.op`; empty = all) and a process (nil = any).
    public struct Filter: Sendable, Hashable {
        /// The opcodes to show; empty shows all.
        public var opcodes: Set<String>
        /// The process to show; nil shows all.
        public var pid: UInt32?

        /// A filter.
        public init(opcodes: Set<String> = [], pid: UInt32? = nil) {
            self.opcodes = opcodes
            self.pid = pid
        }

        /// Whether `event` passes.
        func takes(_ event: TraceEvent) -> Bool {
            (opcodes.isEmpty || opcodes.contains(event.op)) && (pid == nil || pid == event.pid)
        }
    }

    /// One watcher: its filter and the events waiting for it.
    public final class Subscription: Sendable {
        /// The most events kept waiting; beyond it new ones are dropped.
        public static let capacity = 65_536
        let filter: Filter
        private let queue = Mutex<(events: [TraceEvent], dropped: UInt64)>(([], 0))
        private let ready = DispatchSemaphore(value: 0)

        init(filter: Filter) { self.filter = filter }

        /// Queues `event`, or counts it dropped when the queue is full.
        func offer(_ event: TraceEvent) {
            let wasEmpty = queue.withLock { queue -> Bool in
                guard queue.events.count < Self.capacity else {
                    queue.dropped += 1
                    return false
                }
                queue.events.append(event)
                return queue.events.count == 1
            }
            if wasEmpty { ready.signal() }
        }

        /// The events queued so far and how many were dropped since the last call, waiting up to `timeout` for
        /// the first one.
        public func take(waitingAtMost timeout: Duration) -> (events: [TraceEvent], dropped: UInt64) {
            let now = drain()
            guard now.events.isEmpty, now.dropped == 0 else { return now }
            _ = ready.wait(timeout: .now() + .nanoseconds(Int(clamping: timeout.nanoseconds)))
            return drain()
        }

        /// Empties the queue and the dropped count, returning what they held.
        private func drain() -> (events: [TraceEvent], dropped: UInt64) {
            queue.withLock { queue in
                defer { queue = ([], 0) }
                return queue
            }
        }
    }

    private let subscribers = Mutex<[ObjectIdentifier: Subscription]>([:])
    private let count = Atomic<Int>(0)

    init() {}

    /// Whether anyone is watching: the only thing the dispatcher asks when nobody is.
    var isActive: Bool { count.load(ordering: .relaxed) > 0 }

    /// Starts watching with `filter`; `unsubscribe` ends it.
    public func subscribe(_ filter: Filter) -> Subscription {
        let subscription = Subscription(filter: filter)
        subscribers.withLock { $0[ObjectIdentifier(subscription)] = subscription }
        count.add(1, ordering: .relaxed)
        return subscription
    }

    /// Stops `subscription`'s watch.
    public func unsubscribe(_ subscription: Subscription) {
        let removed = subscribers.withLock { $0.removeValue(forKey: ObjectIdentifier(subscription)) }
        if removed != nil { count.subtract(1, ordering: .relaxed) }
    }

    /// Hands `event` to every subscriber whose filter takes it.
    func publish(_ event: TraceEvent) {
        let takers = subscribers.withLock { $0.values.filter { $0.filter.takes(event) } }
        for subscriber in takers { subscriber.offer(event) }
    }
}
