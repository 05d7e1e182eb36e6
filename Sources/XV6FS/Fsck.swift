import BentoKit
import BentoServices

// fsck: checks an xv6fs image without trusting any of it, and optionally repairs what it can.
//
// Order: the superblock; the journal (committed transactions are read into an overlay, so the checks see the
// image as mount would after replay, and nothing is written unless repairing); every inode slot; every
// directory's records (names, targets, types, `..`); link counts and unreachable inodes; every block pointer
// (range, duplicates, counts); both bitmaps against what is reachable; the superblock's free counts.
// Repair replays the journal, frees unreachable inodes, fixes link counts, rewrites both bitmaps and the counts.

/// What fsck found (and, when repairing, fixed).
public struct FsckReport: Sendable, CustomStringConvertible {
    /// Inconsistencies; empty for a consistent image.
    public var problems: [String] = []
    /// Facts worth knowing that are not inconsistencies (a pending journal, a mounted state).
    public var notes: [String] = []
    /// What a repair changed.
    public var repairs: [String] = []
    /// Inodes in use, directories among them, and blocks in use.
    public var inodes = 0, directories = 0, usedBlocks: UInt64 = 0

    /// True when no inconsistency was found.
    public var isConsistent: Bool { problems.isEmpty }

    /// The report as fsck prints it.
    public var description: String {
        var lines = notes.map { "note: \($0)" }
        lines += problems.map { "problem: \($0)" }
        lines += repairs.map { "repaired: \($0)" }
        lines.append(isConsistent ? "clean: \(inodes) inodes (\(directories) directories), \(usedBlocks) blocks in use"
                                  : "\(problems.count) problem(s) found")
        return lines.joined(separator: "\n")
    }
}

/// A device seen through the journal's committed transactions (fsck's view of the image after replay).
final class OverlayDevice: BlockDevice {
    let base: any BlockDevice
    let overlay: [UInt64: [UInt8]]

    init(base: any BlockDevice, overlay: [UInt64: [UInt8]]) {
        self.base = base
        self.overlay = overlay
    }

    var blockSize: Int { base.blockSize }
    var blockCount: UInt64 { base.blockCount }
    func read(_ block: BlockNumber) throws(Errno) -> [UInt8] {
        if let logged = overlay[block.rawValue] { return logged }
        return try base.read(block)
    }
    func read(_ block: BlockNumber, count: Int) throws(Errno) -> [UInt8] {
        var bytes: [UInt8] = []
        for index in 0..<UInt64(max(count, 0)) { bytes += try read(BlockNumber(block.rawValue + index)) }
        return bytes
    }
    func write(_ block: BlockNumber, _ bytes: [UInt8]) throws(Errno) { throw .readOnlyFileSystem }
    func write(startingAt block: BlockNumber, _ bytes: [UInt8]) throws(Errno) { throw .readOnlyFileSystem }
    func flush() throws(Errno) {}
}

extension XV6FS {
    /// Checks the image on `device`; with `repair`, also fixes what it can (never on a mounted image). `progress`
    /// hears the share of the check done (0...1) and the phase (inodes, directories, link counts, blocks, bitmaps).
    public static func fsck(device: any BlockDevice, repair: Bool = false,
                            progress: (Double, String) -> Void = { _, _ in }) -> FsckReport {
        var report = FsckReport()
        let superblock: Superblock
        do { superblock = try readSuperblock(device) } catch {
            report.problems.append(error.description)
            return report
        }
        if superblock.state == .mounted {
            report.notes.append("the image is marked mounted: in use now, or not cleanly unmounted")
        }
        do {
            let recovery = try Journal.recover(device: device, superblock: superblock, write: repair)
            if let problem = recovery.problem { report.problems.append("journal: \(problem)") }
            if recovery.transactions > 0 {
                report.notes.append("the journal holds \(recovery.transactions) committed transaction(s) (\(recovery.blocks.count) blocks) "
                                    + (repair ? "— replayed" : "that mount will replay; checked as replayed"))
            }
            let view: any BlockDevice = repair ? device : OverlayDevice(base: device, overlay: recovery.blocks)
            var checker = try FsckChecker(device: view, superblock: superblock)
            try checker.run(into: &report, progress: progress)
            if repair, !report.problems.isEmpty { try checker.repair(device: device, into: &report) }
        } catch {
            report.problems.append("I/O error while checking: \(error)")
        }
        return report
    }
}
