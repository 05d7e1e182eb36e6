import BentoKit
import BentoServices

// Replay at mount (and for fsck): read the journal header, walk the log from its tail, collect every
// transaction whose descriptors and commit block are intact (sequence numbers in order, checksum right), write
// the newest copy of each block home, flush, and move the header past them. A torn or missing commit block
// ends the walk: that transaction never happened.

/// What a journal walk found.
struct RecoveryReport: Sendable {
    /// Transactions replayed (or that would be, for a dry run).
    var transactions = 0
    /// The newest logged copy of each home block.
    var blocks: [UInt64: [UInt8]] = [:]
    /// Where the journal stands afterwards.
    var position: Journal.Position
    /// A problem found in the log (a home block outside the data area), if any.
    var problem: String?
}

extension Journal {
    /// Replays committed transactions from the journal at `superblock.journalStart` onto `device`; with
    /// `write: false` only reports what it would do.
    static func recover(device: any BlockDevice, superblock: Superblock, write: Bool = true) throws(Errno) -> RecoveryReport {
        let start = superblock.journalStart, logBlocks = superblock.journalBlocks - 1
        let header: JournalHeader
        do {
            header = try JournalHeader(decoding: try device.read(BlockNumber(start)))
        } catch let error as FormatError {
            return RecoveryReport(position: Position(sequence: 1, head: 0), problem: error.description)
        } catch {
            throw error as? Errno ?? .ioError
        }
        guard header.tail < logBlocks else {
            return RecoveryReport(position: Position(sequence: header.sequence, head: 0), problem: "journal tail out of range")
        }
        var report = RecoveryReport(position: Position(sequence: header.sequence, head: header.tail))
        var newest: [UInt64: [UInt8]] = [:]
        var scanned: UInt64 = 0
        func block(at index: UInt64) throws(Errno) -> [UInt8] {
            try device.read(BlockNumber(start + 1 + index % logBlocks))
        }
        walk: while scanned < logBlocks {
            var position = report.position.head, logged: [UInt8] = [], count: UInt32 = 0
            var pending: [(UInt64, [UInt8])] = []
            while true {
                guard scanned + UInt64(count) < logBlocks else { break walk }
                let bytes = try block(at: position)
                switch JournalRecord(decoding: bytes) {
                case .descriptor(let sequence, let homes)? where sequence == report.position.sequence:
                    logged += bytes
                    for (offset, home) in homes.enumerated() {
                        guard home >= superblock.inodeBitmapStart, home < superblock.blockCount else {
                            report.problem = "journal transaction \(sequence) names block \(home) outside the file system"
                            break walk
                        }
                        let data = try block(at: position + 1 + UInt64(offset))
                        logged += data
                        pending.append((home, data))
                    }
                    count += UInt32(homes.count + 1)
                    position += UInt64(homes.count + 1)
                case .commit(let sequence, let blocks, let checksum)? where sequence == report.position.sequence:
                    guard blocks == count, count > 0, checksum == CRC32C.checksum(logged) else { break walk }
                    for (home, data) in pending { newest[home] = data }
                    report.transactions += 1
                    scanned += UInt64(count + 1)
                    report.position = Position(sequence: sequence + 1, head: (position + 1) % logBlocks)
                    continue walk
                default:
                    break walk
                }
            }
        }
        report.blocks = newest
        guard write else { return report }
        for (home, data) in newest.sorted(by: { $0.key < $1.key }) { try device.write(BlockNumber(home), data) }
        try device.flush()
        if report.transactions > 0 || header.tail != report.position.head {
            let moved = JournalHeader(sequence: report.position.sequence, tail: report.position.head)
            try device.write(BlockNumber(start), moved.encoded)
            try device.flush()
        }
        return report
    }
}
