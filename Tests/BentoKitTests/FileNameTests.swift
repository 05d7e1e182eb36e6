import Testing
import BentoKit

@Suite struct FileNameTests {
    @Test func acceptsOrdinaryNamesAndKeepsTheirBytes() throws {
        let name = try FileName("hello.txt")
        #expect(name.bytes == Array("hello.txt".utf8))
        #expect(try FileName(validating: [0xff, 0xfe]).bytes == [0xff, 0xfe])
    }

    @Test func rejectsSlashNulEmptyAndOverlongNames() {
        #expect(throws: Errno.invalidArgument) { try FileName("a/b") }
        #expect(throws: Errno.invalidArgument) { try FileName(validating: [0x61, 0]) }
        #expect(throws: Errno.invalidArgument) { try FileName("") }
        #expect(throws: Errno.fileNameTooLong) { try FileName(String(repeating: "x", count: 256)) }
        #expect((try? FileName(String(repeating: "x", count: 255))) != nil)
    }

    @Test func xattrNamesReportTheirNamespace() throws {
        #expect(try XattrName("user.comment").namespace == "user")
        #expect(throws: Errno.outOfRange) { try XattrName(String(repeating: "x", count: 256)) }
    }

    @Test func directoryListingStopsWhenFull() throws {
        var listing = DirectoryListing(capacity: 2, isPlus: false) { _, _ in 1 }
        let entry = DirectoryEntry(inode: .root, cookie: 1, type: .directory, name: .dot)
        let kept = (0..<3).map { _ in listing.append(entry) }
        #expect(kept == [true, true, false])
        #expect(listing.entries.count == 2)
    }
}
