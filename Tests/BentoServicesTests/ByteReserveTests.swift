import BentoServices
import Foundation
import Testing

/// `ByteReserve`: empty until asked, then filled in the background up to its depth with zeroed arrays of its
/// length, never beyond.
@Suite struct ByteReserveTests {
    /// Waits (up to 10 s) until `reserve` holds `count` arrays; false if it never does.
    static func waitUntil(_ reserve: ByteReserve, holds count: Int) async -> Bool {
        for _ in 0..<1_000 {
            if reserve.readyCount == count { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    @Test func isEmptyUntilTheFirstTakeThenFillsToItsDepth() async {
        let reserve = ByteReserve(length: 3 * 4096 + 5, depth: 6)
        try? await Task.sleep(for: .milliseconds(50))
        #expect(reserve.readyCount == 0, "a reserve nobody asked fills nothing")
        #expect(reserve.take() == nil)
        #expect(await Self.waitUntil(reserve, holds: 6))
        let array = reserve.take()
        #expect(array == [UInt8](repeating: 0, count: 3 * 4096 + 5))
        #expect(reserve.handedOutCount == 1)
        #expect(await Self.waitUntil(reserve, holds: 6), "a take starts a refill")
    }

    @Test func neverHoldsMoreThanItsDepth() async {
        let reserve = ByteReserve(length: 64, depth: 4)
        var taken = 0
        for _ in 0..<200 {
            if reserve.take() != nil { taken += 1 }
            #expect(reserve.readyCount <= 4)
        }
        #expect(await Self.waitUntil(reserve, holds: 4))
        try? await Task.sleep(for: .milliseconds(50))
        #expect(reserve.readyCount == 4)
        #expect(reserve.handedOutCount == taken)
    }

    @Test func fillsOnTheCallersThreadWhenAsked() {
        let reserve = ByteReserve(length: 100, depth: 3)
        reserve.fill()
        #expect(reserve.readyCount == 3)
        reserve.fill()
        #expect(reserve.readyCount == 3, "filling a full reserve adds nothing")
    }
}
