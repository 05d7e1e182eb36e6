import BentoHost
import BentoKit
import FUSEWire
import Testing

/// `-o transport=` and what INIT answers for it: FUSE_OVER_IO_URING (flags2 bit 9, fuse.h bit 41) only when the
/// mount asks for the ring and the kernel offers it.
@Suite struct TransportTests {
    @Test func transportOptionTakesDevOrUringAndNothingElse() throws {
        #expect(try MountOptions(parsing: "ro").transport == .dev)
        #expect(try MountOptions(parsing: "transport=uring").transport == .uring)
        #expect(try MountOptions(parsing: "transport=uring,transport=dev").transport == .dev)
        for bad in ["transport=io_uring", "transport=", "transport"] {
            #expect(throws: MountOptionError.self) { try MountOptions(parsing: bad) }
        }
        do {
            _ = try MountOptions(parsing: "transport=fast")
        } catch {
            #expect(error.description == "transport must be one of dev, uring, not 'fast'")
        }
    }

    @Test func initAsksForTheRingOnlyWhenOfferedAndWanted() throws {
        var uring = MountOptions()
        uring.transport = .uring
        let offered = Dispatcher(fileSystem: DictionaryTestFileSystem(), options: uring)
        let reply = try #require(offered.reply(initRequest(flags: kernelOffer.union(.overIOURing))))
        #expect(reply.u32(at: 32) & (1 << 9) != 0)  // flags2: FUSE_OVER_IO_URING
        #expect(try #require(offered.negotiated).usesIOURing)

        let notOffered = Dispatcher(fileSystem: DictionaryTestFileSystem(), options: uring)
        _ = notOffered.handle(initRequest(flags: kernelOffer))
        #expect(try #require(notOffered.negotiated).usesIOURing == false)

        let dev = Dispatcher(fileSystem: DictionaryTestFileSystem(), options: MountOptions())
        let devReply = try #require(dev.reply(initRequest(flags: kernelOffer.union(.overIOURing))))
        #expect(devReply.u32(at: 32) & (1 << 9) == 0)
        #expect(try #require(dev.negotiated).usesIOURing == false)
    }
}
