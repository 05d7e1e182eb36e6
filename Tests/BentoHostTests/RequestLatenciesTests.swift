@testable import BentoHost
import FUSEWire
import Testing

/// `RequestLatencies`: the buckets hold what they say, percentiles come out of them within a bucket's width, and
/// the dispatcher records every request it serves.
@Suite struct RequestLatenciesTests {
    @Test func everyDurationFallsInABucketWhoseBoundsHoldIt() {
        var previousUpper: UInt64? = nil
        for index in [0, 1, 2, 3] + Array(8..<RequestLatencies.bucketsPerOpcode) {
            let upper = RequestLatencies.upperBound(of: index)
            #expect(RequestLatencies.bucket(of: upper) == index, "bucket \(index) ends at \(upper)")
            #expect(RequestLatencies.bucket(of: upper + 1) == min(index + (index == 3 ? 5 : 1), RequestLatencies.bucketsPerOpcode - 1))
            if let previousUpper { #expect(upper > previousUpper) }
            if index >= 8 { #expect(Double(upper) <= Double(RequestLatencies.upperBound(of: index - 1) + 1) * 1.26) }
            previousUpper = upper
        }
        #expect(RequestLatencies.bucket(of: .max) == RequestLatencies.bucketsPerOpcode - 1)
    }

    @Test func percentilesComeFromTheHistogramAndNeverExceedTheLongest() {
        let latencies = RequestLatencies()
        #expect(latencies.percentile(0.5, of: .lookup) == nil)
        for _ in 0..<98 { latencies.record(Opcode.lookup.rawValue, nanoseconds: 10_000) }
        latencies.record(Opcode.lookup.rawValue, nanoseconds: 50_000)
        latencies.record(Opcode.lookup.rawValue, nanoseconds: 3_000_000)
        let median = latencies.percentile(0.5, of: .lookup) ?? 0
        #expect(median >= 10_000 && median < 12_500)
        let p99 = latencies.percentile(0.99, of: .lookup) ?? 0
        #expect(p99 >= 50_000 && p99 < 62_500)
        #expect(latencies.longest(of: .lookup) == 3_000_000)
        #expect(latencies.percentile(1, of: .lookup) == 3_000_000)
        #expect(latencies.percentile(0.5, of: .getattr) == nil, "other opcodes are their own")
    }

    @Test func theDispatcherRecordsEveryRequestItServes() throws {
        let dispatcher = Dispatcher.started()
        for unique in 10..<20 { _ = dispatcher.reply(request(.lookup, unique: UInt64(unique), cString("missing"))) }
        let lookup = try #require(dispatcher.requestLatencies[.lookup])
        #expect(lookup.median > 0 && lookup.median <= lookup.p99 && lookup.p99 <= lookup.longest)
    }
}
