import BentoKit
import BentoServices

// The bytes of a regular file: a sparse store of fixed-size chunks keyed by chunk index.
//
// A chunk covers `chunkSize` bytes of the file; a missing chunk is a hole. A present chunk stores a prefix of
// its range rounded up to whole pages: bytes past that prefix are a hole too. So a 1 TiB sparse file costs
// nothing, a small file costs one page, and `allocatedBytes` (hence `st_blocks`) is exactly the data that
// SEEK_DATA and SEEK_HOLE report. Invariant: every stored byte at or past `size` is zero, so growing a file
// (truncate up, writing past the end) shows zeros without touching the bytes.
//
// Not thread-safe: a value type, guarded by MemFS's lock.

/// A regular file's bytes, stored sparsely in chunks.
struct FileContents: Sendable {
    /// Bytes covered by one chunk.
    static let chunkSize: UInt64 = 64 * 1024
    /// Granularity of allocation inside a chunk.
    static let pageSize: UInt64 = 4096
    /// Whole chunks a file system keeps faulted in ahead of need (`ByteReserve`): 16 MiB, what a 1 GiB/s writer
    /// uses in 16 ms.
    static let reservedChunks = 256
    /// The largest size a file may have (8 TiB); writing or growing past it fails with `EFBIG`.
    static let maximumSize: UInt64 = 1 << 43

    /// The file's length in bytes.
    private(set) var size: UInt64 = 0
    /// Bytes held in memory for this file (a multiple of the page size).
    private(set) var allocatedBytes: UInt64 = 0
    private var chunks: [UInt64: [UInt8]] = [:]

    /// An empty file.
    init() {}

    /// A file of `size` bytes storing `chunks` (as `storedChunks` returned them); nil when a chunk is larger
    /// than a chunk's range, not whole pages, or holds bytes past `size`.
    init?(size: UInt64, chunks: [UInt64: [UInt8]]) {
        guard size <= Self.maximumSize else { return nil }
        for (index, bytes) in chunks {
            let length = UInt64(bytes.count)
            guard length > 0, length <= Self.chunkSize, length % Self.pageSize == 0, index < Self.maximumSize / Self.chunkSize
            else { return nil }
            let start = index * Self.chunkSize
            guard start + length <= size || bytes[Int(size > start ? size - start : 0)...].allSatisfy({ $0 == 0 }) else {
                return nil
            }
            allocatedBytes += length
        }
        self.size = size
        self.chunks = chunks
    }

    /// The stored chunks by index (a missing index is a hole), for handing the file to a new version.
    var storedChunks: [UInt64: [UInt8]] { chunks }

    /// Space used in 512-byte units (`st_blocks`).
    var blocks: UInt64 { allocatedBytes / 512 }

    // MARK: Reading

    /// The stored chunks a read of `count` bytes at `offset` needs, to be turned into bytes outside the lock.
    func snapshot(offset: UInt64, count: UInt64) -> ReadSnapshot {
        let range = Range<UInt64>.read(offset: offset, length: count, size: size)
        let pieces = allocatedIndices(touching: range).compactMap { index in
            chunks[index].map { (start: index * Self.chunkSize, bytes: $0) }
        }
        return ReadSnapshot(offset: range.lowerBound, count: range.upperBound - range.lowerBound, pieces: pieces)
    }

    /// The first offset at or after `offset` that holds data, or nil when only holes follow.
    func dataOffset(from offset: UInt64) -> UInt64? {
        let index = offset / Self.chunkSize
        if let chunk = chunks[index], offset - index * Self.chunkSize < UInt64(chunk.count) { return offset }
        return chunks.keys.filter { $0 > index }.min().map { $0 * Self.chunkSize }
    }

    /// The first offset at or after `offset` that is in a hole (data never ends; the caller clamps to the size).
    func holeOffset(from offset: UInt64) -> UInt64 {
        var position = offset
        while true {
            let index = position / Self.chunkSize
            let start = index * Self.chunkSize
            guard let chunk = chunks[index], position - start < UInt64(chunk.count) else { return position }
            guard UInt64(chunk.count) == Self.chunkSize else { return start + UInt64(chunk.count) }
            position = start + Self.chunkSize
        }
    }

    /// The bytes that making `range` allocated would add to `allocatedBytes`: what its chunks must store (every
    /// chunk but the last whole), less what they already do. One step per allocated chunk, however large `range`
    /// is, so that a huge fallocate fails with `ENOSPC` at once instead of walking every chunk under the lock.
    func bytesNeeded(toAllocate range: Range<UInt64>) -> UInt64 {
        let indices = chunkIndices(touching: range)
        guard let last = indices.last else { return 0 }
        let wanted = (last - indices.lowerBound) * Self.chunkSize + Self.storedLength(covering: range, inChunk: last)
        return allocatedIndices(touching: range).reduce(wanted) { total, index in
            total - min(Self.storedLength(covering: range, inChunk: index), UInt64(chunks[index]?.count ?? 0))
        }
    }

    // MARK: Changing

    /// Writes `data` at `offset`, growing the file if it ends past the current size.
    /// A chunk the write covers whole and the file does not store yet is taken from `fresh` when it has one
    /// (memory already faulted in, overwritten in place) instead of growing from empty.
    mutating func write(_ data: Span<UInt8>, at offset: UInt64, fresh: ByteReserve? = nil) {
        let range = offset..<(offset + UInt64(data.count))
        for index in chunkIndices(touching: range) {
            let start = index * Self.chunkSize
            let lower = Int(max(range.lowerBound, start) - start), upper = Int(min(range.upperBound, start + Self.chunkSize) - start)
            let source = lower + Int(start) - Int(offset)  // where the chunk's piece starts in `data`
            let whole = lower == 0 && upper == Int(Self.chunkSize)
            let kept = chunks.removeValue(forKey: index)  // owned here, so it grows in place
            var chunk = kept ?? (whole ? fresh?.take() : nil) ?? []
            let stored = chunk.count
            // Bytes the chunk holds are overwritten; bytes past its end are appended as they are, not zeroed first.
            if lower < stored {
                let end = min(upper, stored)
                chunk.overwrite(at: lower, with: data.extracting(source..<source + (end - lower)))
            }
            if upper > stored {
                if lower > stored { chunk.append(contentsOf: Self.zeros[..<(lower - stored)]) }
                let from = max(lower, stored)
                chunk.append(copying: data.extracting(source + (from - lower)..<source + (upper - lower)))
            }
            let padded = Int(Self.roundUpToPage(UInt64(chunk.count)))
            if padded > chunk.count { chunk.append(contentsOf: Self.zeros[..<(padded - chunk.count)]) }
            allocatedBytes += UInt64(chunk.count - (kept?.count ?? 0))
            chunks[index] = chunk
        }
        size = max(size, range.upperBound)
    }

    /// A chunk's worth of zeros to append from (one copy instead of a byte-by-byte fill).
    private static let zeros = [UInt8](repeating: 0, count: Int(chunkSize))

    /// Makes every byte of `range` stored (zeros where it was a hole) without changing the size.
    mutating func allocate(_ range: Range<UInt64>) {
        for index in chunkIndices(touching: range) {
            extend(chunk: index, to: Self.storedLength(covering: range, inChunk: index))
        }
    }

    /// Turns `range` into a hole: it reads as zeros, whole pages at the end of a chunk and whole chunks are freed.
    mutating func punchHole(_ range: Range<UInt64>) {
        for index in allocatedIndices(touching: range) {
            let start = index * Self.chunkSize
            let stored = UInt64(chunks[index]?.count ?? 0)
            let lower = max(range.lowerBound, start) - start, upper = min(range.upperBound, start + Self.chunkSize) - start
            if upper >= stored {
                shrink(chunk: index, keeping: lower)
            } else if lower < upper {
                chunks[index, default: []].replaceSubrange(Int(lower)..<Int(upper), with: repeatElement(0, count: Int(upper - lower)))
            }
        }
    }

    /// Sets the size: shrinking frees everything past the new end; growing leaves a hole.
    mutating func truncate(to newSize: UInt64) {
        if newSize < size {
            let firstGone = (newSize + Self.chunkSize - 1) / Self.chunkSize
            for index in chunks.keys.filter({ $0 >= firstGone }) {
                allocatedBytes -= UInt64(chunks.removeValue(forKey: index)?.count ?? 0)
            }
            let last = newSize / Self.chunkSize
            if newSize % Self.chunkSize != 0 { shrink(chunk: last, keeping: newSize - last * Self.chunkSize) }
        }
        size = newSize
    }

    /// Grows the size to at least `newSize` without storing anything.
    mutating func extend(toSize newSize: UInt64) {
        size = max(size, newSize)
    }

    // MARK: Chunk helpers

    /// How many bytes chunk `index` must store so that it covers its part of `range`: whole pages.
    private static func storedLength(covering range: Range<UInt64>, inChunk index: UInt64) -> UInt64 {
        let start = index * chunkSize
        return roundUpToPage(min(range.upperBound, start + chunkSize) - start)
    }

    private static func roundUpToPage(_ length: UInt64) -> UInt64 {
        (length + pageSize - 1) / pageSize * pageSize
    }

    /// Every chunk index that `range` touches, allocated or not.
    private func chunkIndices(touching range: Range<UInt64>) -> Range<UInt64> {
        guard !range.isEmpty else { return 0..<0 }
        return range.lowerBound / Self.chunkSize..<(range.upperBound - 1) / Self.chunkSize + 1
    }

    /// The allocated chunk indices that `range` touches, in order; cheap for huge ranges over sparse files.
    private func allocatedIndices(touching range: Range<UInt64>) -> [UInt64] {
        let indices = chunkIndices(touching: range)
        if indices.count <= chunks.count { return indices.filter { chunks[$0] != nil } }
        return chunks.keys.filter { indices.contains($0) }.sorted()
    }

    /// Grows chunk `index` with zeros to store at least `length` bytes.
    private mutating func extend(chunk index: UInt64, to length: UInt64) {
        let stored = UInt64(chunks[index]?.count ?? 0)
        guard length > stored else { return }
        chunks[index, default: []].append(contentsOf: Self.zeros[..<Int(length - stored)])
        allocatedBytes += length - stored
    }

    /// Keeps the first `length` bytes of chunk `index` (stored to a page boundary, zeroed past `length`);
    /// frees the chunk when nothing is left.
    private mutating func shrink(chunk index: UInt64, keeping length: UInt64) {
        let stored = UInt64(chunks[index]?.count ?? 0)
        guard length < stored else { return }
        let kept = Self.roundUpToPage(length)
        guard kept > 0 else {
            chunks[index] = nil
            allocatedBytes -= stored
            return
        }
        chunks[index, default: []].removeLast(Int(stored - kept))
        chunks[index, default: []].replaceSubrange(Int(length)..<Int(kept), with: repeatElement(0, count: Int(kept - length)))
        allocatedBytes -= stored - kept
    }
}

/// The chunks a read needs, taken under the lock; turning them into bytes happens after the lock is dropped.
/// Chunks are copy-on-write arrays, so taking them costs a reference each.
struct ReadSnapshot: Sendable {
    /// Where the read starts.
    let offset: UInt64
    /// How many bytes the read returns (already clamped to the file's size).
    let count: UInt64
    /// The stored chunks overlapping the read, in order, with the file offset each starts at.
    let pieces: [(start: UInt64, bytes: [UInt8])]

    /// The stored bytes inside the read, in order, each with the file offset it starts at.
    func segments() -> [(offset: UInt64, bytes: ArraySlice<UInt8>)] {
        let end = offset + count
        return pieces.compactMap { piece in
            let lower = max(offset, piece.start), upper = min(end, piece.start + UInt64(piece.bytes.count))
            guard lower < upper else { return nil }
            return (lower, piece.bytes[Int(lower - piece.start)..<Int(upper - piece.start)])
        }
    }

    /// The bytes read: stored data, zeros for holes.
    func bytes() -> [UInt8] {
        [UInt8](capacity: Int(count)) { write(into: &$0) }
    }

    /// Appends the bytes read to `output`, which has room for `count` of them.
    func write(into output: inout OutputSpan<UInt8>) {
        let start = output.count
        for segment in segments() {
            output.append(repeating: 0, count: Int(segment.offset - offset) - (output.count - start))
            output.append(copying: segment.bytes.span)
        }
        output.append(repeating: 0, count: Int(count) - (output.count - start))
    }
}
