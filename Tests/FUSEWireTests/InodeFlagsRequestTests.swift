import BentoKit
import FUSEWire
import Testing

/// The inode-flag ioctls in Linux's ABI: which commands are answered, what is refused, the answer's bytes.
@Suite struct InodeFlagsRequestTests {
    @Test func getAndSetFlagsInBothWordSizes() throws {
        for command: UInt32 in [0x8008_6601, 0x8004_6601] {
            let asked = try InodeFlagsRequest(command: command, input: [], outputSize: 4)
            #expect(asked == .get(extended: false))
            #expect(asked?.output([.immutable, .noAccessTime]) == [0x90, 0, 0, 0])
        }
        for command: UInt32 in [0x4008_6602, 0x4004_6602] {
            #expect(try InodeFlagsRequest(command: command, input: [0x20, 0, 0, 0], outputSize: 0) == .set(.appendOnly))
        }
    }

    @Test func theExtendedFormCarriesXFlagsInAStructFsxattr() throws {
        let asked = try InodeFlagsRequest(command: 0x801C_581F, input: [], outputSize: 28)
        let output = asked?.output([.immutable, .appendOnly, .noDump, .noAccessTime]) ?? []
        #expect(output.count == 28 && output[0] == 0x08 | 0x10 | 0x40 | 0x80 && output[1...].allSatisfy { $0 == 0 })
        #expect(throws: Errno.notSupported) { try InodeFlagsRequest(command: 0x401C_5820, input: [UInt8](repeating: 0, count: 28), outputSize: 0) }
    }

    @Test func shortBuffersAreInvalidAndOtherCommandsAreNotOurs() throws {
        #expect(throws: Errno.invalidArgument) { try InodeFlagsRequest(command: 0x8008_6601, input: [], outputSize: 3) }
        #expect(throws: Errno.invalidArgument) { try InodeFlagsRequest(command: 0x4008_6602, input: [1, 2], outputSize: 0) }
        #expect(throws: Errno.invalidArgument) { try InodeFlagsRequest(command: 0x801C_581F, input: [], outputSize: 27) }
        #expect(try InodeFlagsRequest(command: 0x5401, input: [], outputSize: 64) == nil, "TCGETS")
    }
}
