import BentoKit
import BentoServices
import Synchronization
import Testing
@testable import XV6FS

/// A promise made to the application: something an fsync or sync that returned guarantees.
struct Promise: Sendable {
    let description: String
    let holds: @Sendable (Fixture) throws -> Bool
}

/// A device that, before every flush, records the crash states a power loss at that moment could leave, with
/// the promises made so far. States just before a flush include every earlier moment since the previous one
/// (each is a subset of the unflushed writes), so recording there covers every crash point.
final class CrashRecorder: BlockDeviceFilter {
    let disk: SimulatedDisk
    let statesPerFlush: Int
    private let promises = Mutex<[Promise]>([])
    private let samples = Mutex<[(state: CrashState, promises: [Promise])]>([])

    init(disk: SimulatedDisk, statesPerFlush: Int) {
        self.disk = disk
        self.statesPerFlush = statesPerFlush
    }

    var underlying: any BlockDevice { disk }
    func flush() throws(Errno) {
        record()
        try disk.flush()
    }

    /// Records the crash states possible now, then checks every state recorded: it mounts (replaying the
    /// journal), keeps each promise made before it, and fsck finds it consistent.
    func verifyRecordedStates() {
        record()
        let samples = recorded
        #expect(samples.count > 10)
        for (index, sample) in samples.enumerated() {
            let crashed = SimulatedDisk(image: sample.state.image)
            let mounted: Fixture
            do { mounted = try Fixture(disk: crashed) } catch {
                Issue.record("crash state \(index) does not mount: \(error)")
                continue
            }
            for promise in sample.promises {
                let kept = (try? promise.holds(mounted)) ?? false
                #expect(kept, "crash state \(index) (landed \(sample.state.landedWrites)) broke: \(promise.description)")
            }
            mounted.fs.destroy()
            let report = XV6FS.fsck(device: crashed)
            #expect(report.isConsistent, "crash state \(index): \(report)")
        }
    }

    /// Records the crash states possible now.
    func record() {
        let made = promises.withLock { $0 }
        let states = disk.crashStates(.anySubset, limit: statesPerFlush, seed: UInt64(samples.withLock { $0.count }))
        samples.withLock { $0 += states.map { ($0, made) } }
    }

    /// Adds a promise (call right after the fsync or sync that makes it returns).
    func promise(_ description: String, _ holds: @escaping @Sendable (Fixture) throws -> Bool) {
        promises.withLock { $0.append(Promise(description: description, holds: holds)) }
    }

    var recorded: [(state: CrashState, promises: [Promise])] { samples.withLock { $0 } }
}

@Suite struct CrashTests {
    /// Runs `workload` on a fresh xv6fs over a recorder, then mounts every recorded crash state: each must
    /// mount (replaying its journal), keep every promise made before it, and leave fsck nothing to complain about.
    static func explore(mode: DataMode, statesPerFlush: Int = 24,
                        _ workload: (Fixture, CrashRecorder) throws -> Void) throws {
        let disk = SimulatedDisk(blockCount: 4096)
        try XV6FS.mkfs(device: disk, options: MkfsOptions(journalBlocks: 512, dataMode: mode))
        let recorder = CrashRecorder(disk: disk, statesPerFlush: statesPerFlush)
        let fs = try XV6FS(device: recorder, options: XV6FS.Options(commitInterval: nil))
        try workload(Fixture(fs: fs, disk: disk), recorder)
        recorder.verifyRecordedStates()
    }

    /// True when `path` (slash-separated from the root) starts with `bytes` (later writes may have added more).
    static func holds(_ f: Fixture, _ path: String, _ bytes: [UInt8]) throws -> Bool {
        var inode = Inode.root
        for component in path.split(separator: "/") { inode = try f.lookup(String(component), in: inode).inode }
        let file = try f.open(inode, flags: [])
        defer { try? f.fs.release(f.root, inode: inode, handle: file.handle, flags: []) }
        return try f.read(file, at: 0, count: UInt32(bytes.count)) == bytes
    }

    static func exists(_ f: Fixture, _ name: String, in parent: Inode = .root) -> Bool {
        (try? f.lookup(name, in: parent)) != nil
    }

    @Test(arguments: DataMode.allCases)
    func createWriteFsync(mode: DataMode) throws {
        try Self.explore(mode: mode) { f, recorder in
            for (index, size) in [100, 5000, 70_000].enumerated() {
                let name = "file\(index)", data = Fixture.pattern(size, seed: UInt8(index))
                let file = try f.create(name)
                try f.write(data, to: file, at: 0)
                try f.fs.fsync(f.root, inode: file.inode, handle: file.handle, dataOnly: false)
                recorder.promise("\(name) holds its \(size) bytes") { try CrashTests.holds($0, name, data) }
                try f.write([9, 9, 9], to: file, at: UInt64(size))
            }
        }
    }

    @Test(arguments: DataMode.allCases)
    func renameFsync(mode: DataMode) throws {
        try Self.explore(mode: mode) { f, recorder in
            let data = Fixture.pattern(9000)
            let dir = try f.mkdir("d")
            let file = try f.create("a")
            try f.write(data, to: file, at: 0)
            try f.fs.fsync(f.root, inode: file.inode, handle: file.handle, dataOnly: false)
            recorder.promise("a (or d/b after the rename) holds its data") {
                (try? CrashTests.holds($0, "a", data)) == true || (try? CrashTests.holds($0, "d/b", data)) == true
            }
            try f.fs.rename(f.root, parent: .root, name: f.name("a"), newParent: dir, newName: f.name("b"), flags: [])
            let handle = try f.fs.opendir(f.root, inode: dir, flags: []).handle
            try f.fs.fsyncdir(f.root, inode: dir, handle: handle, dataOnly: false)
            recorder.promise("d/b holds the data and a is gone") {
                try CrashTests.holds($0, "d/b", data) && !CrashTests.exists($0, "a")
            }
            let other = try f.create("c")
            try f.write(data, to: other, at: 0)
            try f.fs.rename(f.root, parent: .root, name: f.name("c"), newParent: dir, newName: f.name("b"), flags: [])
            try f.fs.fsync(f.root, inode: other.inode, handle: other.handle, dataOnly: false)
            recorder.promise("d/b is the replacement and c is gone") {
                try CrashTests.holds($0, "d/b", data) && !CrashTests.exists($0, "c")
            }
        }
    }

    @Test(arguments: DataMode.allCases)
    func manyFilesThenSync(mode: DataMode) throws {
        try Self.explore(mode: mode, statesPerFlush: 12) { f, recorder in
            var written: [(String, [UInt8])] = []
            for index in 0..<60 {
                let name = "n\(index)", data = Fixture.pattern(index * 300, seed: UInt8(index))
                let file = try f.create(name)
                try f.write(data, to: file, at: 0)
                try f.fs.release(f.root, inode: file.inode, handle: file.handle, flags: [])
                written.append((name, data))
                if index % 20 == 19 {
                    try f.fs.unlink(f.root, parent: .root, name: f.name("n\(index - 10)"))
                    written.removeAll { $0.0 == "n\(index - 10)" }
                }
            }
            try f.fs.sync()
            let promised = written
            recorder.promise("all \(promised.count) files hold their data after sync") { fixture in
                try promised.allSatisfy { try CrashTests.holds(fixture, $0.0, $0.1) }
            }
            let late = try f.create("late")
            try f.write([1], to: late, at: 0)
            try f.fs.fsync(f.root, inode: late.inode, handle: late.handle, dataOnly: true)
        }
    }
}

extension Fixture {
    /// A fixture over an already mounted file system.
    init(fs: XV6FS, disk: SimulatedDisk) {
        self.disk = disk
        self.fs = fs
    }
}
