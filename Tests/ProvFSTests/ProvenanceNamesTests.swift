import BentoKit
import Testing
@testable import ProvFS

/// Which object a record is about when inode numbers are reused, and what paths gone objects get.
@Suite struct ProvenanceNamesTests {
    /// A record of `kind` on `inode` by `pid`, filled by `fill`.
    static func record(_ kind: ProvenanceRecord.Kind, _ inode: UInt64, by pid: UInt32,
                       _ fill: (inout ProvenanceRecord) -> Void = { _ in }) -> ProvenanceRecord {
        var record = ProvenanceRecord(kind: kind, time: Timestamp(seconds: 1), pid: pid, inode: inode)
        fill(&record)
        return record
    }

    static func created(_ inode: UInt64, _ name: String, in parent: UInt64 = 1, by pid: UInt32) -> ProvenanceRecord {
        record(.create, inode, by: pid) { ($0.type, $0.parent, $0.name) = ("regular", parent, name) }
    }

    static func closed(_ inode: UInt64, by pid: UInt32, read: UInt64 = 0, wrote: UInt64 = 0) -> ProvenanceRecord {
        record(.close, inode, by: pid) { ($0.bytesRead, $0.bytesWritten) = (read, wrote) }
    }

    @Test func aReusedInodeIsANewFileWithAHistoryOfItsOwn() {
        // pid 1 copies /secret (3) to /old (5) and removes it; pid 2 copies /public (4) to /new, which gets inode 5.
        let log = ProvenanceLog(records: [
            Self.closed(3, by: 1, read: 1), Self.created(5, "old", by: 1), Self.closed(5, by: 1, wrote: 1),
            Self.record(.unlink, 5, by: 1) { ($0.parent, $0.name, $0.last) = (1, "old", true) },
            Self.closed(4, by: 2, read: 1), Self.created(5, "new", by: 2), Self.closed(5, by: 2, wrote: 1),
        ])
        let names = ProvenanceNames(log: log, current: [1: "/", 3: "/secret", 4: "/public", 5: "/new"])
        let query = ProvenanceQuery(log: log, names: names)
        let new = names.files(at: "/new"), old = names.files(at: "/old")
        #expect(new == [FileLife(inode: 5, life: 2)] && old == [FileLife(inode: 5, life: 1)])
        #expect(query.lineage(of: new, .inputs).files.map(\.path) == ["/new", "/public"], "not the old file's input")
        #expect(query.lineage(of: old, .inputs).files.map(\.path) == ["/old", "/secret"])
        #expect(query.writers(of: new).map(\.pid) == [2])
    }

    @Test func anObjectMadeWhileNothingRecordedIsNotTheOneTheLogLastSaw() {
        // /gone (7) was removed while tracking was on; then, untracked, inode 7 came back as /quiet.
        let log = ProvenanceLog(records: [
            Self.created(7, "gone", by: 1), Self.closed(7, by: 1, wrote: 3),
            Self.record(.unlink, 7, by: 1) { ($0.parent, $0.name, $0.last) = (1, "gone", true) },
        ])
        let names = ProvenanceNames(log: log, current: [1: "/", 7: "/quiet"])
        #expect(names.files(at: "/quiet") == [FileLife(inode: 7, life: 2)])
        #expect(ProvenanceQuery(log: log, names: names).writers(of: names.files(at: "/quiet")).isEmpty)
        #expect(names.path(of: FileLife(inode: 7, life: 1)) == "/gone")
    }

    @Test func goneObjectsArePlacedUnderTheirDirectories() {
        let log = ProvenanceLog(records: [
            Self.record(.create, 2, by: 1) { ($0.type, $0.parent, $0.name) = ("directory", 1, "dir") },
            Self.created(3, "a", in: 2, by: 1),
            Self.record(.rename, 3, by: 1) { ($0.parent, $0.name, $0.newParent, $0.newName) = (2, "a", 2, "b") },
            Self.record(.unlink, 3, by: 1) { ($0.parent, $0.name, $0.last) = (2, "b", true) },
        ])
        let names = ProvenanceNames(log: log, current: [1: "/", 2: "/dir"])
        #expect(names.path(of: FileLife(inode: 3, life: 1)) == "/dir/b")
        #expect(names.files(at: "/dir/b/") == [FileLife(inode: 3, life: 1)])
        #expect(names.path(of: FileLife(inode: 9, life: 0)) == "#9", "never named")
    }
}

/// Processes as pid and start time: a reused pid is another process.
@Suite struct ProcessKeyTests {
    static func process(_ pid: UInt32, started: UInt64, _ executable: String) -> ProvenanceRecord {
        ProvenanceNamesTests.record(.process, 0, by: pid) { ($0.started, $0.executable, $0.parentPid) = (started, executable, 1) }
    }

    @Test func aReusedPidIsAnotherProcess() {
        // pid 5 copies /a to /b and exits; a new process with pid 5 copies /c to /d.
        let log = ProvenanceLog(records: [
            Self.process(5, started: 100, "/usr/bin/cp"), ProvenanceNamesTests.closed(3, by: 5, read: 1),
            ProvenanceNamesTests.created(4, "b", by: 5), ProvenanceNamesTests.closed(4, by: 5, wrote: 1),
            Self.process(5, started: 200, "/usr/bin/cat"), ProvenanceNamesTests.closed(6, by: 5, read: 1),
            ProvenanceNamesTests.created(7, "d", by: 5), ProvenanceNamesTests.closed(7, by: 5, wrote: 1),
        ])
        let names = ProvenanceNames(log: log, current: [1: "/", 3: "/a", 4: "/b", 6: "/c", 7: "/d"])
        let query = ProvenanceQuery(log: log, names: names)
        #expect(query.lineage(of: names.files(at: "/d"), .inputs).files.map(\.path) == ["/d", "/c"])
        #expect(query.lineage(of: names.files(at: "/b"), .inputs).files.map(\.path) == ["/b", "/a"])
        #expect(query.writers(of: names.files(at: "/d")).map(\.executable) == ["/usr/bin/cat"])
    }

    @Test func renamingOverOneOfTwoNamesKeepsTheObjectsHistory() {
        // /a and /b name inode 3; `mv c b` takes /b away, but inode 3 lives on as /a.
        let log = ProvenanceLog(records: [
            ProvenanceNamesTests.created(3, "a", by: 1), ProvenanceNamesTests.closed(3, by: 1, wrote: 2),
            ProvenanceNamesTests.record(.link, 3, by: 1) { ($0.parent, $0.name) = (1, "b") },
            ProvenanceNamesTests.created(4, "c", by: 1),
            ProvenanceNamesTests.record(.rename, 4, by: 1) { ($0.parent, $0.name, $0.newParent, $0.newName, $0.replaced) = (1, "c", 1, "b", 3) },
        ])
        let names = ProvenanceNames(log: log, current: [1: "/", 3: "/a", 4: "/b"])
        #expect(names.files(at: "/a") == [FileLife(inode: 3, life: 1)])
        #expect(ProvenanceQuery(log: log, names: names).writers(of: names.files(at: "/a")).map(\.pid) == [1])
    }
}
