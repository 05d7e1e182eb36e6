import Testing
import BentoServices
@testable import MemFS

/// `FileContents` against a plain byte array: random writes that overlap, leave gaps inside and across chunks and
/// end mid-page read back exactly as the array says, and every stored chunk stays whole pages.
@Suite struct FileContentsModelTests {
    /// A small deterministic generator (xorshift), so a failure names its seed.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(bound))
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func randomWritesReadBackAsAPlainArrayDoes(seed: UInt64) {
        var random = Generator(state: seed &* 0x9E37_79B9_7F4A_7C15)
        var contents = FileContents()
        var model: [UInt8] = []
        let span = 4 * Int(FileContents.chunkSize)
        for step in 0..<80 {
            let offset = random.next(span), count = 1 + random.next(3 * 4096 + 100)
            let data = (0..<count).map { UInt8(truncatingIfNeeded: $0 &+ step &* 7 &+ 1) }
            contents.write(data.span, at: UInt64(offset))
            if model.count < offset + count { model += [UInt8](repeating: 0, count: offset + count - model.count) }
            model.replaceSubrange(offset..<offset + count, with: data)
            #expect(contents.size == UInt64(model.count), "seed \(seed) step \(step)")
            // After every write, not only at the end: later writes would paper over a misplaced one.
            let read = contents.snapshot(offset: 0, count: UInt64(model.count)).bytes()
            #expect(read == model, "seed \(seed) step \(step): first difference at \(read.indices.first { read[$0] != model[$0] } ?? -1)")
            if read != model { return }
        }
        for (_, chunk) in contents.storedChunks {
            #expect(chunk.count % 4096 == 0 && chunk.count <= Int(FileContents.chunkSize), "seed \(seed): a chunk of \(chunk.count) bytes")
        }
        #expect(contents.allocatedBytes == UInt64(contents.storedChunks.values.reduce(0) { $0 + $1.count }))
    }
}

/// Writes that cover a chunk the file does not store yet take it from the reserve; the rest do not, and the
/// bytes read back are the bytes written either way.
@Suite struct FreshChunkTests {
    @Test func onlyWholeMissingChunksComeFromTheReserve() {
        let chunk = Int(FileContents.chunkSize)
        let reserve = ByteReserve(length: chunk, depth: 4)
        reserve.fill()
        var contents = FileContents()
        var model = [UInt8](repeating: 0, count: 3 * chunk)
        func write(_ offset: Int, _ count: Int, _ seed: UInt8) {
            let data = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
            contents.write(data.span, at: UInt64(offset), fresh: reserve)
            model.replaceSubrange(offset..<offset + count, with: data)
        }
        write(chunk, chunk, 1)  // chunk 1, whole and missing: from the reserve
        #expect(reserve.handedOutCount == 1)
        write(100, 5_000, 2)  // part of chunk 0: grown from empty
        write(chunk + 10, 20, 3)  // inside chunk 1, which exists
        write(0, chunk, 4)  // chunk 0 whole, but stored already
        #expect(reserve.handedOutCount == 1)
        write(2 * chunk - 7, chunk + 7, 5)  // the end of chunk 1 and chunk 2 whole: one more from the reserve
        #expect(reserve.handedOutCount == 2)
        #expect(contents.snapshot(offset: 0, count: UInt64(model.count)).bytes() == model)
        #expect(contents.allocatedBytes == UInt64(3 * chunk))
    }
}
