import BentoKit
import Testing
@testable import ProvFS

/// The log's record format: every field survives encoding, unknown fields are skipped, damage is refused.
@Suite struct ProvenanceRecordTests {
    static func sample() -> ProvenanceRecord {
        var record = ProvenanceRecord(kind: .rename, time: Timestamp(seconds: 1_765_000_000, nanoseconds: 123_456_789),
                                      pid: 4711, uid: 1000, gid: 100, inode: 42)
        record.parent = 1
        record.name = "draft.txt"
        record.newParent = 7
        record.newName = "final €.txt"
        record.replaced = 43
        record.exchanged = true
        return record
    }

    @Test func everyFieldSurvivesEncoding() throws {
        var process = ProvenanceRecord(kind: .process, time: Timestamp(seconds: -5, nanoseconds: 999_999_999), pid: .max)
        process.parentPid = 1
        process.executable = "/usr/bin/sort"
        process.commandLine = ["sort", "-o", "out", "", "a b"]
        var close = ProvenanceRecord(kind: .close, time: Timestamp(seconds: 0), pid: 1, inode: .max)
        (close.bytesRead, close.bytesWritten, close.firstRead, close.firstWrite) = (UInt64.max, 0, 17, nil)
        var create = ProvenanceRecord(kind: .create, time: Timestamp(seconds: 3), pid: 2, inode: 9)
        (create.type, create.parent, create.name) = ("regular", 1, "a")
        var setattr = ProvenanceRecord(kind: .setattr, time: Timestamp(seconds: 4), pid: 2, inode: 9)
        (setattr.size, setattr.mode, setattr.newUID, setattr.newGID, setattr.times) = (0, 0o644, 1000, 0, ["atime", "mtime"])
        var allocate = ProvenanceRecord(kind: .fallocate, time: Timestamp(seconds: 5), pid: 2, inode: 9)
        (allocate.offset, allocate.length, allocate.flags, allocate.attribute) = (4096, 8192, 3, "user.x")
        for record in [Self.sample(), process, close, create, setattr, allocate] {
            #expect(try ProvenanceRecord(decoding: record.encoded) == record)
        }
    }

    @Test func aLaterVersionsFieldsAreSkipped() throws {
        let record = Self.sample()
        let extended = record.encoded + [200, 3, 1, 2, 3]  // tag 200, three bytes
        #expect(try ProvenanceRecord(decoding: extended) == record)
    }

    @Test func damagedRecordsAreRefusedNotTrapped() {
        let bytes = Self.sample().encoded
        #expect(throws: Errno.self) { try ProvenanceRecord(decoding: []) }
        #expect(throws: Errno.self) { try ProvenanceRecord(decoding: [2] + bytes.dropFirst()) }  // unknown version
        #expect(throws: Errno.self) { try ProvenanceRecord(decoding: [1, 250] + bytes.dropFirst(2)) }  // unknown kind
        #expect(throws: Errno.self) { try ProvenanceRecord(decoding: bytes + [3, 0xFF]) }  // a length past the end
        #expect(throws: Errno.self) { try ProvenanceRecord(decoding: [1, 0] + Array(repeating: 0xFF, count: 11)) }  // overlong varint
        // Every prefix and every single-byte change either decodes or throws.
        for end in 0..<bytes.count { _ = try? ProvenanceRecord(decoding: Array(bytes[..<end])) }
        for index in bytes.indices {
            for value: UInt8 in [0, 1, 0x7F, 0x80, 0xFF] {
                var changed = bytes
                changed[index] = value
                _ = try? ProvenanceRecord(decoding: changed)
            }
        }
    }

    @Test func theLogReadsBackFromItsText() throws {
        let log = ProvenanceLog(records: [Self.sample()], undecodable: 2, damage: "a record at byte 90 fails its checksum")
        let again = try ProvenanceLog(jsonLines: log.jsonLines)
        #expect(again.records == log.records)
        #expect(again.damage?.contains("could not be decoded") == true && again.damage?.contains("byte 90") == true)
        #expect(throws: ProvenanceError.self) { try ProvenanceLog(jsonLines: "not json\n") }
    }
}
