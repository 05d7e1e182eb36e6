@testable import BentoHost
import FUSEWire
import Testing

/// `RequestTracer`: nobody watching costs a flag; watchers get the requests their filter takes, as served, and
/// lose events rather than hold the mount back when they fall behind.
@Suite struct RequestTracerTests {
    @Test func theDispatcherPublishesServedRequestsToWatchersOnly() throws {
        let dispatcher = Dispatcher.started()
        #expect(!dispatcher.tracer.isActive)
        let lookups = dispatcher.tracer.subscribe(.init(opcodes: ["LOOKUP"]))
        let everything = dispatcher.tracer.subscribe(.init())
        #expect(dispatcher.tracer.isActive)
        _ = dispatcher.reply(request(.lookup, unique: 40, cString("missing\tname")))
        _ = dispatcher.reply(request(.getattr, unique: 42, u32(0) + u32(0) + u64(0)))
        _ = dispatcher.reply(request(.lookup, unique: 44, [0]))  // an empty name: refused before the file system
        let seen = lookups.take(waitingAtMost: .milliseconds(100)).events
        #expect(seen.map(\.unique) == [40, 44])
        let first = try #require(seen.first)
        #expect(first.op == "LOOKUP" && first.name == "missing\tname" && first.node == 1 && first.pid == 7 && first.uid == 1000)
        #expect(first.errno == 0 || first.errno == 2, "answered, found or not")
        #expect(seen.last?.errno == 22 && seen.last?.name == nil, "a request that did not decode: EINVAL, no name")
        #expect(everything.take(waitingAtMost: .milliseconds(100)).events.map(\.op) == ["LOOKUP", "GETATTR", "LOOKUP"])
        #expect(TraceEvent(jsonLine: first.jsonLine) == first)
        #expect(first.textLine.contains("LOOKUP node 1 \"missing\\x09name\""), "control characters escaped")
        dispatcher.tracer.unsubscribe(lookups)
        dispatcher.tracer.unsubscribe(everything)
        #expect(!dispatcher.tracer.isActive)
    }

    @Test func aWatcherThatFallsBehindLosesEventsAndIsToldHowMany() {
        let tracer = RequestTracer()
        let slow = tracer.subscribe(.init(pid: 7))
        let event = TraceEvent(time: 0, unique: 2, op: "READ", node: 5, pid: 7, uid: 0, errno: 0, latency: 1)
        for _ in 0..<(RequestTracer.Subscription.capacity + 10) { tracer.publish(event) }
        tracer.publish(TraceEvent(time: 0, unique: 4, op: "READ", node: 5, pid: 8, uid: 0, errno: 0, latency: 1))
        let (events, dropped) = slow.take(waitingAtMost: .zero)
        #expect(events.count == RequestTracer.Subscription.capacity && dropped == 10, "pid 8 was never taken")
        #expect(slow.take(waitingAtMost: .milliseconds(10)) == ([], 0))
    }
}
