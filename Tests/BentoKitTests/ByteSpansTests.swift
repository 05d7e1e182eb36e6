import BentoKit
import Testing

@Suite struct ByteSpansTests {
    let bytes: [UInt8] = (0..<200).map { UInt8($0) }

    @Test func copiesAppendsAndOverwritesTheBytesOfASpan() {
        #expect(Array(copying: bytes.span) == bytes)
        #expect(Array(copying: bytes.span.extracting(10..<20)) == Array(bytes[10..<20]))
        #expect(Array(copying: [UInt8]().span).isEmpty)

        var grown: [UInt8] = [9, 9]
        grown.append(copying: bytes.span.extracting(first: 5))
        #expect(grown == [9, 9, 0, 1, 2, 3, 4])

        var target = [UInt8](repeating: 0xEE, count: 10)
        target.overwrite(at: 3, with: bytes.span.extracting(100..<105))
        #expect(target == [0xEE, 0xEE, 0xEE, 100, 101, 102, 103, 104, 0xEE, 0xEE])
        target.overwrite(at: 10, with: [UInt8]().span)  // an empty copy at the end is allowed
        #expect(target.count == 10)
    }

    @Test func appendsToAnOutputSpanAfterWhatItHolds() {
        let filled = [UInt8](capacity: 8) { (output: inout OutputSpan<UInt8>) in
            output.append(7)
            output.append(copying: bytes.span.extracting(50..<55))
            output.append(copying: bytes.span.extracting(first: 2))
        }
        #expect(filled == [7, 50, 51, 52, 53, 54, 0, 1])
    }
}
