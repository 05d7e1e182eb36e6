import BentoKit
import BentoServices

// The checks and repairs of fsck, over a read-only view of the image (the layers below are reused for reading
// only: a private buffer cache, the block map, the bitmaps as the allocator loads them).

/// One run of fsck's checks over one view of an image.
struct FsckChecker {
    let superblock: Superblock
    let device: any BlockDevice
    let journal: Journal
    let allocator: Allocator
    let map: BlockMap
    /// Inodes in use, by number.
    private(set) var inodes: [UInt32: DiskInode] = [:]
    /// Slots that failed to decode.
    private var corrupted: Set<UInt32> = []
    /// Directory entries naming each inode.
    private var references: [UInt32: UInt32] = [:]
    /// Subdirectories of each directory.
    private var subdirectories: [UInt32: UInt32] = [:]
    /// The inode owning each block in use.
    private var owners: [UInt32: UInt32] = [:]
    /// Inodes no directory names.
    private var orphans: Set<UInt32> = []
    /// Link counts to correct.
    private var linkFixes: [UInt32: UInt32] = [:]
    private var problems: [String] = []
    private var notes: [String] = []
    private var unreported = 0

    init(device: any BlockDevice, superblock: Superblock) throws(Errno) {
        self.device = device
        self.superblock = superblock
        journal = Journal(device: device, cache: BufferCache(device: device, capacity: 4096), start: superblock.journalStart,
                          blocks: superblock.journalBlocks, position: Journal.Position(sequence: 1, head: 0))
        allocator = try Allocator(superblock: superblock, journal: journal)
        map = BlockMap(superblock: superblock, journal: journal, allocator: allocator)
    }

    private mutating func problem(_ message: String) {
        if problems.count < 100 { problems.append(message) } else { unreported += 1 }
    }

    /// Runs every check, adding what it finds to `report`; `progress` hears the share done (0...1) and the phase.
    mutating func run(into report: inout FsckReport, progress: (Double, String) -> Void = { _, _ in }) throws(Errno) {
        try scanInodes { progress(0.6 * $0, "inodes") }
        progress(0.6, "directories")
        try checkDirectories()
        progress(0.8, "link counts")
        checkLinks()
        progress(0.85, "blocks")
        try checkBlocks()
        progress(0.95, "bitmaps")
        checkBitmaps()
        progress(1, "done")
        report.problems += problems
        report.notes += notes
        if unreported > 0 { report.problems.append("… and \(unreported) more problem(s)") }
        report.inodes = inodes.count
        report.directories = inodes.values.filter { $0.mode.isDirectory }.count
        report.usedBlocks = UInt64(owners.count)
    }

    /// Decodes every inode slot, telling `progress` the share of the table read.
    private mutating func scanInodes(progress: (Double) -> Void) throws(Errno) {
        let perBlock = UInt64(Format.inodesPerBlock)
        var start: UInt64 = 0
        while start < superblock.inodeTableBlocks {
            let count = min(256, superblock.inodeTableBlocks - start)
            let bytes = try device.read(BlockNumber(superblock.inodeTableStart + start), count: Int(count))
            for slot in 0..<count * perBlock where start * perBlock + slot < superblock.inodeCount {
                let number = UInt32(start * perBlock + slot)
                do {
                    let disk = try DiskInode(decoding: bytes, at: Int(slot) * Format.inodeSize, number: number)
                    guard !disk.isFree else { continue }
                    if number == 0 { problem("inode 0 (reserved) is in use") } else { inodes[number] = disk }
                    if !InodeFlags.supported.isSuperset(of: disk.inodeFlags) {
                        problem("inode \(number) has unknown flags \(String(disk.flags, radix: 16))")
                    }
                } catch {
                    problem(error.description)
                    corrupted.insert(number)
                }
            }
            start += count
            progress(Double(start) / Double(superblock.inodeTableBlocks))
        }
        guard let root = inodes[1], root.mode.isDirectory else { return problem("the root inode (1) is not a directory") }
        if root.parent != 1 { problem("the root directory's parent is \(root.parent), not itself") }
    }

    /// Reads every directory's records and checks each entry; the root's operation log counts as its one name.
    private mutating func checkDirectories() throws(Errno) {
        checkOperationLog()
        for (number, disk) in inodes.sorted(by: { $0.key < $1.key }) where disk.mode.isDirectory {
            if disk.size % UInt64(Format.blockSize) != 0 { problem("directory \(number): size \(disk.size) is not whole blocks") }
            var names = Set<[UInt8]>()
            for block in 0..<disk.size / UInt64(Format.blockSize) {
                let physical: UInt32
                do { physical = try map.lookup(disk, block) } catch {
                    problem("directory \(number): block pointer \(block) outside the data area")
                    continue
                }
                guard physical != 0 else {
                    problem("directory \(number): block \(block) is missing")
                    continue
                }
                let records: [DirectoryRecord]
                do { records = try DirectoryRecord.records(in: try journal.read(BlockNumber(UInt64(physical)))) } catch {
                    problem("directory \(number) block \(block): \(error)")
                    continue
                }
                for record in records where record.inode != 0 {
                    checkEntry(record, in: number, names: &names)
                }
            }
        }
    }

    private mutating func checkEntry(_ record: DirectoryRecord, in directory: UInt32, names: inout Set<[UInt8]>) {
        let label = "directory \(directory): entry '\(String(decoding: record.name, as: UTF8.self))'"
        guard let name = try? FileName(validating: record.name), !name.isDotOrDotDot else { return problem("\(label) is not a valid name") }
        guard names.insert(name.bytes).inserted else { return problem("\(label) appears twice") }
        guard let target = inodes[record.inode] else {
            return problem("\(label) points at inode \(record.inode), which is not in use")
        }
        if UInt32(target.type.directoryEntryType) != UInt32(record.type) { problem("\(label) has the wrong type") }
        references[record.inode, default: 0] += 1
        if target.mode.isDirectory {
            subdirectories[directory, default: 0] += 1
            if target.parent != directory { problem("\(label): its '..' is \(target.parent), not \(directory)") }
        }
    }

    /// Checks the operation log the root names, if any: a regular file in use, whose records are read and counted
    /// (damage is reported as a note: the log never blocks the file system, and its readable part stays usable).
    private mutating func checkOperationLog() {
        guard let number = inodes[1]?.logInode, number != 0 else { return }
        guard let log = inodes[number], log.mode.isRegular else {
            return problem("the root names inode \(number) as its operation log, which is not a regular file in use")
        }
        references[number, default: 0] += 1
        let contents: [UInt8]
        do { contents = try OperationLogFile.contents(of: log, map: map) } catch {
            return notes.append("operation log (inode \(number)): unreadable (\(error))")
        }
        let (records, damage) = OperationLogFile.payloads(contents, storedSize: log.size)
        let size = records.reduce(0) { $0 + OperationLogFile.headerSize + $1.count }
        notes.append("operation log (inode \(number)): \(records.count) record(s), \(size) bytes"
                     + (damage.map { "; damaged: \($0) — later records are lost" } ?? ""))
    }

    /// Compares link counts with the names found; finds inodes no directory names.
    private mutating func checkLinks() {
        for (number, disk) in inodes.sorted(by: { $0.key < $1.key }) {
            let names = references[number] ?? 0
            if number != 1, names == 0, disk.linkCount == 0, superblock.state == .mounted {
                notes.append("inode \(number) is unlinked but was still open; mount frees it")
                continue
            }
            if number != 1, names == 0 {
                problem("inode \(number) (\(disk.type)) is in no directory")
                orphans.insert(number)
                continue
            }
            if disk.mode.isDirectory, number != 1, names > 1 { problem("directory \(number) has \(names) names") }
            let expected = disk.mode.isDirectory ? 2 + (subdirectories[number] ?? 0) : names
            if disk.linkCount != expected {
                problem("inode \(number): link count \(disk.linkCount), should be \(expected)")
                linkFixes[number] = expected
            }
        }
    }

    /// Walks every inode's blocks: in range, owned once, counted right.
    private mutating func checkBlocks() throws(Errno) {
        for (number, disk) in inodes.sorted(by: { $0.key < $1.key }) {
            var count: UInt64 = 0
            var found: [UInt32] = []
            try map.walk(disk) { block, _ in
                count += 1
                found.append(block)
            }
            if disk.xattrBlock != 0 {
                count += 1
                found.append(disk.xattrBlock)
                if superblock.isDataBlock(disk.xattrBlock),
                   (try? XattrBlock(decoding: try journal.read(BlockNumber(UInt64(disk.xattrBlock))))) == nil {
                    problem("inode \(number): its xattr block is malformed")
                }
            }
            for block in found {
                guard superblock.isDataBlock(block) else {
                    problem("inode \(number): block pointer \(block) outside the data area")
                    continue
                }
                if let owner = owners[block] { problem("block \(block) is used by inodes \(owner) and \(number)") }
                if !orphans.contains(number) { owners[block] = number }
            }
            if disk.blocks != count { problem("inode \(number): counts \(disk.blocks) blocks, uses \(count)") }
        }
    }

    /// Compares both bitmaps with what is in use.
    private mutating func checkBitmaps() {
        let state = allocator.state.withLock { $0 }
        var missing = 0, leaked = 0
        for block in 0..<superblock.blockCount {
            let used = block < superblock.dataStart || owners[UInt32(block)] != nil
            if used != state.blocks.isSet(block) { if used { missing += 1 } else { leaked += 1 } }
        }
        if missing > 0 { problem("\(missing) block(s) in use are marked free in the block bitmap") }
        if leaked > 0 { problem("\(leaked) block(s) marked in use belong to nothing") }
        var badInodes = 0
        for number in 0..<superblock.inodeCount {
            let used = number == 0 || inodes[UInt32(number)] != nil || corrupted.contains(UInt32(number))
            if used != state.inodes.isSet(number), !orphans.contains(UInt32(number)) { badInodes += 1 }
        }
        if badInodes > 0 { problem("\(badInodes) inode(s) disagree with the inode bitmap") }
        if superblock.state == .clean {
            let freeBlocks = superblock.blockCount - superblock.dataStart - UInt64(owners.count)
            let freeInodes = superblock.inodeCount - 1 - UInt64(inodes.count - orphans.count)
            if superblock.freeBlocks != freeBlocks || superblock.freeInodes != freeInodes {
                problem("the superblock's free counts (\(superblock.freeBlocks) blocks, \(superblock.freeInodes) inodes) "
                        + "should be \(freeBlocks) and \(freeInodes)")
            }
        }
    }

    // MARK: Repair

    /// Frees unreachable inodes, fixes link counts, rewrites both bitmaps and the superblock, then checks again.
    mutating func repair(device target: any BlockDevice, into report: inout FsckReport) throws(Errno) {
        for number in orphans.sorted() { try rewrite(number, on: target) { $0 = DiskInode() } }
        if !orphans.isEmpty { report.repairs.append("freed \(orphans.count) unreachable inode(s)") }
        for (number, links) in linkFixes where !orphans.contains(number) { try rewrite(number, on: target) { $0.linkCount = links } }
        if !linkFixes.isEmpty { report.repairs.append("fixed \(linkFixes.count) link count(s)") }
        let liveInodes = Set(inodes.keys).subtracting(orphans).union(corrupted)
        try writeBitmap(on: target, start: superblock.inodeBitmapStart, blocks: superblock.inodeBitmapBlocks) { bit in
            bit == 0 || liveInodes.contains(UInt32(bit))
        }
        try writeBitmap(on: target, start: superblock.blockBitmapStart, blocks: superblock.blockBitmapBlocks) { bit in
            bit < superblock.dataStart || owners[UInt32(bit)] != nil
        }
        var fixed = superblock
        fixed.state = .clean
        fixed.freeBlocks = superblock.blockCount - superblock.dataStart - UInt64(owners.count)
        fixed.freeInodes = superblock.inodeCount - 1 - UInt64(liveInodes.count)
        try target.write(BlockNumber(0), fixed.encoded)
        try target.flush()
        report.repairs.append("rewrote both bitmaps and the superblock's counts")
        var again = try FsckChecker(device: target, superblock: fixed)
        var after = FsckReport()
        try again.run(into: &after)
        report.problems = after.problems
    }

    private func rewrite(_ number: UInt32, on target: any BlockDevice, _ change: (inout DiskInode) -> Void) throws(Errno) {
        guard var disk = inodes[number] else { return }
        change(&disk)
        let location = superblock.inodeLocation(number)
        var bytes = try target.read(location.block)
        disk.encode(into: &bytes, at: location.offset, number: number)
        try target.write(location.block, bytes)
    }

    private func writeBitmap(on target: any BlockDevice, start: UInt64, blocks: UInt64, isSet: (UInt64) -> Bool) throws(Errno) {
        for index in 0..<blocks {
            var bytes = [UInt8](repeating: 0, count: Format.blockSize)
            for bit in 0..<UInt64(Format.bitsPerBlock) where isSet(index * UInt64(Format.bitsPerBlock) + bit) {
                bytes[Int(bit / 8)] |= 1 << (bit % 8)
            }
            try target.write(BlockNumber(start + index), bytes)
        }
    }
}
