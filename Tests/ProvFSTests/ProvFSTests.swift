import BentoKit
import BentoServices
import Foundation
import InProcess
import Testing
@testable import ProvFS
@testable import XV6FS

/// provfs in-process: what it records for real sequences of calls, where the log lives, what the questions
/// answer, and that a full disk or a damaged log never fails a request.
@Suite struct ProvFSTests {
    /// A provfs image on a simulated disk, with processes the test makes up.
    struct Mount {
        let disk: SimulatedDisk
        let processes = SimulatedProcessDirectory()
        let fs: XV6FS
        let files: InProcessFileSystem

        init(disk: SimulatedDisk, logging: Bool = true) throws {
            self.disk = disk
            let recorder = ProvenanceRecorder(processes: processes)
            fs = try XV6FS(device: disk, options: XV6FS.Options(commitInterval: nil, operationLog: logging ? recorder : nil))
            files = try InProcessFileSystem(fileSystem: fs)
        }

        /// A fresh image of `blocks` blocks, mounted as provfs.
        static func fresh(blocks: UInt64 = 4096) throws -> Mount {
            let disk = SimulatedDisk(blockCount: blocks)
            try XV6FS.mkfs(device: disk, options: MkfsOptions(journalBlocks: 512))
            return try Mount(disk: disk)
        }

        /// The calls of process `pid`, which runs `executable` as `arguments` (with parent `parent`, in process
        /// group `group`: its own by default).
        func process(_ pid: UInt32, _ executable: String, _ arguments: [String], parent: UInt32 = 1,
                     group: UInt32? = nil) -> InProcessFileSystem {
            processes.add(ProcessIdentity(pid: pid, parentPid: parent, group: group ?? pid, executable: executable,
                                          commandLine: arguments))
            return files.as(Request(uid: .root, gid: .root, pid: pid))
        }

        /// The log as the report gives it.
        func log() throws -> ProvenanceLog { try ProvenanceLog(jsonLines: try fs.report(ProvFS.reportTopic)) }

        /// The questions over the log, with paths from a walk of the tree.
        func query() throws -> ProvenanceQuery {
            let paths = ProvenanceNames.walk { directory in
                ((try? files.readdir(directory)) ?? []).filter { !$0.name.isDotOrDotDot }.map {
                    ($0.name.description, $0.inode.rawValue, $0.type == .directory)
                }
            }
            let log = try log()
            return ProvenanceQuery(log: log, names: ProvenanceNames(log: log, current: paths))
        }

        func unmount() { files.unmount() }
    }

    static func write(_ text: String, to path: String, by process: InProcessFileSystem) throws {
        let descriptor = try process.open(path, [.writeOnly, .create, .truncate])
        _ = try process.write(descriptor, Array(text.utf8))
        try process.close(descriptor)
    }

    static func read(_ path: String, by process: InProcessFileSystem) throws -> [UInt8] {
        let descriptor = try process.open(path, [])
        defer { try? process.close(descriptor) }
        return try process.read(descriptor, count: 1 << 16)
    }

    @Test func sortsInputsAndOutputsAreItsSourcesAndResult() throws {
        let mount = try Mount.fresh()
        defer { mount.unmount() }
        let shell = mount.process(100, "/usr/bin/bash", ["bash"])
        try Self.write("b\na\n", to: "/a.txt", by: shell)
        try Self.write("c\n", to: "/b.txt", by: shell)
        try Self.write("unrelated\n", to: "/other.txt", by: shell)
        let sort = mount.process(200, "/usr/bin/sort", ["sort", "-o", "sorted.txt", "a.txt", "b.txt"], parent: 100)
        let input = try Self.read("/a.txt", by: sort) + Self.read("/b.txt", by: sort)
        try Self.write(String(decoding: input, as: UTF8.self), to: "/sorted.txt", by: sort)

        let query = try mount.query()
        let sorted = query.names.files(at: "/sorted.txt")
        let inputs = query.lineage(of: sorted, .inputs)
        #expect(Set(inputs.files.filter { $0.depth == 1 }.map(\.path)) == ["/a.txt", "/b.txt"])
        #expect(inputs.processes.map(\.executable) == ["/usr/bin/sort"])
        #expect(inputs.table.contains("/a.txt") && inputs.table.contains("sort[200]"))
        let outputs = query.lineage(of: query.names.files(at: "/a.txt"), .outputs)
        #expect(outputs.files.filter { $0.depth == 1 }.map(\.path) == ["/sorted.txt"])
        let node = sorted.first.map { "f\($0.inode)_\($0.life)" } ?? ""
        #expect(outputs.dot.contains("p200_0 -> \(node) [label=wrote]"), "\(outputs.dot)")

        let writers = query.writers(of: sorted)
        #expect(writers.map(\.pid) == [200])
        #expect(writers.first?.bytesWritten == 6)
        #expect(writers.first?.commandLine == ["sort", "-o", "sorted.txt", "a.txt", "b.txt"])
        // Who the processes are is in the log, once each, before their first record.
        let log = try mount.log()
        #expect(log.records.filter { $0.kind == .process }.map(\.pid) == [100, 200])
        #expect(log.records.first { $0.kind == .process && $0.pid == 200 }?.parentPid == 100)
    }

    @Test func lineageFollowsDepthAndProcessTrees() throws {
        let mount = try Mount.fresh()
        defer { mount.unmount() }
        let editor = mount.process(10, "/usr/bin/vi", ["vi", "main.c"])
        try Self.write("int main;", to: "/main.c", by: editor)
        // make (20) runs cc (21), which reads main.c and writes main.o; the linker (22) writes the program from
        // main.o; depth 2 reaches main.c through main.o's writer. All three are one shell job (process group 20).
        _ = try Self.read("/main.c", by: mount.process(20, "/usr/bin/make", ["make"]))
        let cc = mount.process(21, "/usr/bin/cc", ["cc", "-c", "main.c"], parent: 20, group: 20)
        try Self.write(String(decoding: try Self.read("/main.c", by: cc), as: UTF8.self), to: "/main.o", by: cc)
        let ld = mount.process(22, "/usr/bin/ld", ["ld", "main.o"], parent: 20, group: 20)
        _ = try Self.read("/main.o", by: ld)
        try Self.write("ELF", to: "/program", by: ld)

        let query = try mount.query()
        let program = query.names.files(at: "/program")
        #expect(query.lineage(of: program, .inputs).files.map(\.path) == ["/program", "/main.o"])
        let deep = query.lineage(of: program, .inputs, depth: 2)
        #expect(Set(deep.files.map(\.path)) == ["/program", "/main.o", "/main.c"])
        #expect(deep.files.first { $0.path == "/main.c" }?.depth == 2)
        // As one job (make's), the linker's output comes from everything its job read, in one step; the editor,
        // another job, is not part of it.
        let job = query.lineage(of: program, .inputs, depth: 1, tree: true)
        #expect(Set(job.files.map(\.path)) == ["/program", "/main.o", "/main.c"])
        #expect(Set(job.processes.map(\.pid)) == [20, 21, 22])
        #expect(query.job(of: ProcessKey(pid: 22, started: 0)) == .group(20) && query.job(of: ProcessKey(pid: 10, started: 0)) == .group(10))
    }

    @Test func namesFollowRenamesAndRemovals() throws {
        let mount = try Mount.fresh()
        defer { mount.unmount() }
        let tool = mount.process(7, "/usr/bin/sed", ["sed", "-i", "s/a/b/", "doc"])
        try mount.files.mkdir("/dir")
        try Self.write("draft", to: "/dir/.doc.tmp", by: tool)
        try tool.rename(from: "/dir/.doc.tmp", to: "/dir/doc")
        try Self.write("gone", to: "/scratch", by: tool)
        try tool.unlink("/scratch")

        let query = try mount.query()
        let doc = query.names.files(at: "/dir/doc")
        #expect(doc.count == 1)
        #expect(query.writers(of: doc).map(\.pid) == [7], "the write under the temporary name counts for the file")
        let scratch = query.names.files(at: "/scratch")
        #expect(scratch.count == 1, "a removed file keeps its last name in the log")
        let kinds = query.records(files: scratch).map(\.record.kind)
        #expect(kinds == [.create, .write, .close, .unlink])
        #expect(query.records(files: scratch).last?.record.last == true)
        #expect(query.table(query.records(files: doc)).contains("/dir/.doc.tmp → /dir/doc"))
    }

    @Test func theLogLivesInTheImageHiddenAndOutlivesRemountsAndPlainXV6FS() throws {
        var mount = try Mount.fresh()
        try Self.write("one", to: "/f", by: mount.process(1, "/bin/sh", ["sh"]))
        let before = try mount.log().records.count
        #expect(before >= 4)
        let names = try mount.files.readdir("/").map(\.name.description)
        #expect(Set(names) == [".", "..", "f"], "the log is in no directory")
        mount.unmount()

        // A plain xv6fs mount keeps the log as it is and records nothing.
        mount = try Mount(disk: mount.disk, logging: false)
        try Self.write("two", to: "/g", by: mount.files)
        #expect(throws: Errno.noFunction) { try mount.fs.report(ProvFS.reportTopic) }
        mount.unmount()
        let report = XV6FS.fsck(device: mount.disk)
        #expect(report.isConsistent, "\(report)")
        #expect(report.notes.contains { $0.contains("operation log") && $0.contains("\(before) record(s)") }, "\(report.notes)")

        // provfs again: the same log goes on.
        mount = try Mount(disk: mount.disk)
        defer { mount.unmount() }
        try Self.write("three", to: "/h", by: mount.process(2, "/bin/sh", ["sh"]))
        let records = try mount.log().records
        #expect(records.count > before)
        #expect(records.contains { $0.kind == .create && $0.name == "f" } && records.contains { $0.kind == .create && $0.name == "h" })
        #expect(!records.contains { $0.name == "g" })
        // No handle reaches the log: "." in its inode is refused as for a freed inode.
        let logInode = Inode(2)  // the first inode allocated after the root, on this fresh image
        #expect(throws: Errno.noSuchFileOrDirectory) { try mount.fs.lookup(.root, parent: logInode, name: .dot) }
    }

    @Test func aLargeFallocateIsRecordedPieceByPiece() throws {
        let mount = try Mount.fresh()
        defer { mount.unmount() }
        let tool = mount.process(3, "/usr/bin/fallocate", ["fallocate", "-l", "1M", "f"])
        let descriptor = try tool.open("/f", [.writeOnly, .create])
        try tool.fallocate(descriptor, offset: 0, length: 1 << 20)
        try tool.close(descriptor)
        // 256 blocks in pieces of 64, each piece in its own transaction with its own record.
        let pieces = try mount.log().records.filter { $0.kind == .fallocate }
        #expect(pieces.map(\.offset) == [0, 262_144, 524_288, 786_432] && pieces.allSatisfy { $0.length == 262_144 })
    }

    @Test func anExecIsANewProcessRecord() throws {
        let mount = try Mount.fresh()
        defer { mount.unmount() }
        let child = mount.process(300, "/usr/bin/bash", ["bash"])
        try Self.write("", to: "/out", by: child)
        // The child execs cat: same pid, new executable; the recorder notices once its identity is a millisecond old.
        Thread.sleep(forTimeInterval: 0.005)
        _ = mount.process(300, "/usr/bin/cat", ["cat", "in"])
        try Self.write("x", to: "/out", by: child)
        let processes = try mount.log().records.filter { $0.kind == .process }
        #expect(processes.map(\.executable) == ["/usr/bin/bash", "/usr/bin/cat"])
    }

    @Test func aFullDiskDropsRecordsNeverRequests() throws {
        let mount = try Mount.fresh(blocks: 1024)
        defer { mount.unmount() }
        let writer = mount.process(5, "/usr/bin/dd", ["dd"])
        // Fill the disk's blocks (before its inodes run out) until it refuses: the refusal is the disk's, not the log's.
        var made = 0
        fill: for index in 0..<100_000 {
            do {
                try Self.write(String(repeating: "x", count: 16384), to: "/f\(index)", by: writer)
                made += 1
            } catch {
                #expect(error as? Errno == .noSpace, "\(error)")
                break fill
            }
        }
        #expect(made > 50)
        #expect(try mount.fs.statfs(.root, inode: .root).freeInodes > 0, "the blocks ran out, not the inodes")
        // Changes that need no data block go on working on the full disk; their records have no room left.
        for round in 0..<3000 { try writer.chmod("/f1", mode: round % 2 == 0 ? 0o600 : 0o644) }
        #expect(try writer.stat("/f1").mode.permissions == 0o644)
        #expect(mount.fs.counters.first { $0.name == "log_records_dropped" }.map { $0.value > 0 } == true)
        #expect(mount.fs.warnings.first?.contains("drops records") == true, "\(mount.fs.warnings)")
        try mount.files.unlink("/f0")  // the file system still works
        mount.unmount()
        #expect(XV6FS.fsck(device: mount.disk).isConsistent)
        // What the dropped records had begun to write was zeroed: the log reads whole, and goes on after a remount.
        let again = try Mount(disk: mount.disk)
        defer { again.unmount() }
        #expect(!again.fs.warnings.contains { $0.contains("damaged") }, "\(again.fs.warnings)")
        let log = try again.log()
        #expect(log.damage == nil && log.undecodable == 0 && log.records.count > 100, "\(log.problems)")
    }

    @Test func aDamagedLogLeavesTheMountServing() throws {
        let mount = try Mount.fresh()
        try Self.write("data", to: "/f", by: mount.process(1, "/bin/sh", ["sh"]))
        mount.unmount()
        // Make the log's inode a socket in its slot (checksum kept right): no log any more.
        try Self.setMode(FileMode(type: .socket, permissions: 0o600), ofInode: 2, on: mount.disk)
        let again = try Mount(disk: mount.disk)
        defer { again.unmount() }
        #expect(again.fs.warnings.first?.contains("cannot be opened") == true, "\(again.fs.warnings)")
        try Self.write("more", to: "/g", by: again.files)
        #expect(try Self.read("/f", by: again.files) == Array("data".utf8))
    }

    /// Rewrites inode `number`'s mode in its slot, checksum and all (a damage no checksum catches).
    static func setMode(_ mode: FileMode, ofInode number: UInt32, on disk: SimulatedDisk) throws {
        let location = try XV6FS.readSuperblock(disk).inodeLocation(number)
        var bytes = try disk.read(location.block)
        var inode = try DiskInode(decoding: bytes, at: location.offset, number: number)
        inode.mode = mode
        inode.encode(into: &bytes, at: location.offset, number: number)
        try disk.write(location.block, bytes)
    }
}

/// Records of reads wait for the next change instead of costing a transaction each, and keep the log's order.
@Suite struct DeferredReadTests {
    @Test func readsWaitForTheNextChangeAndStayBeforeIt() throws {
        let mount = try ProvFSTests.Mount.fresh()
        defer { mount.unmount() }
        let reader = mount.process(9, "/usr/bin/cat", ["cat", "a"])
        try ProvFSTests.write("text", to: "/a", by: mount.files)
        let before = mount.fs.counters.first { $0.name == "log_records_appended" }?.value ?? 0
        _ = try ProvFSTests.read("/a", by: reader)
        let after = mount.fs.counters.first { $0.name == "log_records_appended" }?.value ?? 0
        #expect(after == before, "the read's close record waits")
        try reader.unlink("/a")
        let kinds = try mount.log().records.filter { $0.pid == 9 }.map(\.kind)
        #expect(kinds == [.process, .close, .unlink], "the read went in before the change that followed it")
    }

    @Test func manyReadsGoInTogether() throws {
        let mount = try ProvFSTests.Mount.fresh()
        defer { mount.unmount() }
        try ProvFSTests.write("text", to: "/a", by: mount.files)
        let reader = mount.process(9, "/usr/bin/grep", ["grep", "-r", "x"])
        for _ in 0..<200 { _ = try ProvFSTests.read("/a", by: reader) }
        let appended = mount.fs.counters.first { $0.name == "log_records_appended" }?.value ?? 0
        #expect(appended >= 192 && appended < 205, "in batches of 64: \(appended)")
        #expect(try mount.log().records.filter { $0.kind == .close && $0.pid == 9 }.count == 200, "a report appends the rest")
    }
}
