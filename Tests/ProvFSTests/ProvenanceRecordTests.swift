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

    /// The format is on disk: these bytes are what every build must write for `sample()` and a process record.
    @Test func theBytesAreTheFormats() {
        #expect(Self.sample().encoded == [1, 4, 128, 141, 158, 147, 13, 149, 154, 239, 58, 231, 36, 232, 7, 100, 42,
                                          2, 1, 1, 3, 9] + Array("draft.txt".utf8) + [4, 1, 7, 5, 13]
                                          + Array("final €.txt".utf8) + [6, 1, 43, 7, 1, 1])
        #expect(Self.processSample().encoded == [1, 0, 9, 7, 172, 2, 0, 0, 0, 26, 6, 128, 128, 128, 128, 128, 32, 18, 1, 1,
                                                 19, 13] + Array("/usr/bin/sort".utf8) + [20, 209, 1, 3, 4]
                                                 + Array("sort".utf8) + [0, 200, 1] + Array(repeating: 120, count: 200))
    }

    static func processSample() -> ProvenanceRecord {
        var process = ProvenanceRecord(kind: .process, time: Timestamp(seconds: -5, nanoseconds: 7), pid: 300, uid: 0, gid: 0)
        process.parentPid = 1
        process.started = 1 << 40
        process.executable = "/usr/bin/sort"
        process.commandLine = ["sort", "", String(repeating: "x", count: 200)]
        return process
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
