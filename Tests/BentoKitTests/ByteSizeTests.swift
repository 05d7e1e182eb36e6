import BentoKit
import Testing

@Suite struct ByteSizeTests {
    @Test func sizesInBinaryUnits() throws {
        #expect(try ByteSize.parse("4096") == 4096)
        #expect(try ByteSize.parse("512k") == 512 << 10)
        #expect(try ByteSize.parse("256M") == 256 << 20)
        #expect(try ByteSize.parse("8G") == 8 << 30)
        #expect(try ByteSize.parse("1T") == 1 << 40)
        #expect(try ByteSize.parse("64", bareUnit: 1 << 20) == 64 << 20)
    }

    @Test func junkZeroAndOverflowAreRefusedInWords() {
        for text in ["", "M", "0", "-1", "12X", "1.5G", "256 M"] {
            #expect(throws: ByteSize.ParseError.self, "\(text)") { try ByteSize.parse(text) }
        }
        do {
            _ = try ByteSize.parse("99999999999T")
            Issue.record("an overflowing size parsed")
        } catch {
            #expect(error.description == "'99999999999T' is too large a size")
        }
    }
}
