import BentoKit
import Testing
@testable import FUSEWire

@Suite struct SessionDecoderTests {
    @Test func initCarriesFlags2WhenInitExtIsSet() throws {
        let body = u32(7) + u32(45)                  // major, minor
            + u32(131_072) + u32(0x4000_0001)        // max_readahead, flags (INIT_EXT | ASYNC_READ)
            + u32(0x2) + [UInt8](repeating: 0, count: 44)  // flags2 (bit 33), unused[11]
        let expected = InitArguments(major: 7, minor: 45, maximumReadahead: 131_072,
                                     flags: InitFlags(rawValue: 0x2_4000_0001))
        #expect(try operation(request(.initialize, body)) == .initialize(expected))
    }

    @Test func initFromAnOldKernelHasNoFlags2() throws {
        let body = u32(7) + u32(19) + u32(65536) + u32(0x1)  // major, minor, max_readahead, flags
        #expect(try operation(request(.initialize, body))
                == .initialize(InitArguments(major: 7, minor: 19, maximumReadahead: 65536, flags: .asyncRead)))
    }

    @Test func initWithInitExtButNoFlags2IsTruncated() {
        let body = u32(7) + u32(45) + u32(0) + u32(0x4000_0000)  // INIT_EXT, then nothing
        #expect(failure(request(.initialize, body)) == .truncated)
    }

    @Test func forgetAndInterruptAndDestroy() throws {
        #expect(try operation(request(.forget, nodeID: 5, u64(3))) == .forget(count: 3))  // nlookup
        #expect(try operation(request(.interrupt, u64(77))) == .interrupt(unique: 77))    // unique
        #expect(try operation(request(.destroy)) == .destroy)
        #expect(failure(request(.forget, u32(3))) == .truncated)
    }

    @Test func batchForgetListsEveryInode() throws {
        let body = u32(2) + u32(0)   // count, dummy
            + u64(10) + u64(1)       // nodeid, nlookup
            + u64(11) + u64(4)       // nodeid, nlookup
        #expect(try operation(request(.batchForget, body))
                == .batchForget([ForgetItem(inode: Inode(10), count: 1), ForgetItem(inode: Inode(11), count: 4)]))
    }

    @Test func batchForgetWithALyingCountIsTruncated() {
        let body = u32(0xFFFF_FFFF) + u32(0) + u64(10) + u64(1)  // count far beyond the one item present
        #expect(failure(request(.batchForget, body)) == .truncated)
    }
}
