import BentoHost
import BentoKit
import FUSEWire
import Testing

@Suite struct DispatcherInitTests {
    @Test func initNegotiatesDefaultsWithAModernKernel() throws {
        let fileSystem = DictionaryTestFileSystem()
        let dispatcher = Dispatcher(fileSystem: fileSystem, options: MountOptions())
        let reply = try #require(dispatcher.reply(initRequest(unique: 1, flags: kernelOffer)))
        #expect(reply.error == 0 && reply.unique == 1 && reply.length == 16 + 64)
        #expect(reply.u32(at: 0) == 7 && reply.u32(at: 4) == 38)  // major, minor = min(45, 38)
        #expect(reply.u32(at: 8) == 131_072)                        // max_readahead
        let flags = InitFlags(rawValue: UInt64(reply.u32(at: 12)) | UInt64(reply.u32(at: 32)) << 32)
        #expect(flags == [.asyncRead, .bigWrites, .parallelDirectoryOperations, .readdirPlus, .readdirPlusAuto,
                          .autoInvalidateData, .atomicOpenTruncate, .cacheSymlinks, .maximumPages, .initExtended])
        #expect(reply.u32(at: 16) == 48 << 16 | 64)  // max_background 64, congestion_threshold 48
        #expect(reply.u32(at: 20) == 1 << 20)         // max_write
        #expect(reply.u32(at: 24) == 1)               // time_gran
        #expect(reply.u32(at: 28) & 0xFFFF == 256)    // max_pages

        let negotiated = try #require(dispatcher.negotiated)
        #expect(negotiated.maximumWrite == 1 << 20 && negotiated.protocolMinor == 38)
        #expect(negotiated.capabilities.contains(.nanosecondTimes))
        #expect(!negotiated.capabilities.contains(.writebackCache))
        let connection = try #require(fileSystem.state.withLock { $0.connection })
        #expect(connection.offered.contains(.writebackCache) && !connection.isReadOnly)
    }

    @Test func writebackOptionOverridesTheFileSystem() throws {
        let wantsWriteback: @Sendable (inout Connection) -> Void = { $0.wanted.insert(.writebackCache) }
        var on = MountOptions()
        on.writebackCache = true
        var off = MountOptions()
        off.writebackCache = false
        let forcedFileSystem = DictionaryTestFileSystem()
        let forced = Dispatcher.started(forcedFileSystem, options: on)
        #expect(try #require(forced.negotiated).flags.contains(.writebackCache))
        let refusedFileSystem = DictionaryTestFileSystem(adjust: wantsWriteback)
        let refused = Dispatcher.started(refusedFileSystem, options: off)
        #expect(try #require(refused.negotiated).flags.contains(.writebackCache) == false)
        // Each file system saw the outcome while it initialized: it must know whether the kernel caches its writes.
        #expect(try #require(forcedFileSystem.state.withLock { $0.connection }).enabled.contains(.writebackCache))
        #expect(try #require(refusedFileSystem.state.withLock { $0.connection }).enabled.contains(.writebackCache) == false)
        let chosen = Dispatcher.started(DictionaryTestFileSystem(adjust: wantsWriteback))
        #expect(try #require(chosen.negotiated).capabilities.contains(.writebackCache))
    }

    @Test func seekDataAndHoleAreTheKernelsUnderTheWritebackCache() throws {
        // The kernel does not write dirty pages back before LSEEK: the file system would answer from stale data.
        var on = MountOptions()
        on.writebackCache = true
        let seek = request(.lseek, unique: 7, nodeID: 2, u64(0) + u64(0) + u32(SeekWhence.hole.rawValue) + u32(0))
        let cached = try #require(Dispatcher.started(options: on).reply(seek))
        #expect(cached.error == -Errno.noFunction.rawValue)
        let direct = try #require(Dispatcher.started().reply(seek))
        #expect(direct.error == 0 && direct.u64(at: 0) == UInt64(Array("hello, world\n".utf8).count))
    }

    @Test func fileSystemSizesAreClampedAndReadOnlyIsPassedOn() throws {
        let fileSystem = DictionaryTestFileSystem { connection in
            connection.maximumWrite = 64 << 20
            connection.maximumReadahead = 4096
        }
        var options = MountOptions()
        options.readOnly = true
        let dispatcher = Dispatcher.started(fileSystem, options: options)
        let negotiated = try #require(dispatcher.negotiated)
        #expect(negotiated.maximumWrite == 1 << 20 && negotiated.maximumReadahead == 4096)
        #expect(fileSystem.state.withLock { $0.connection?.isReadOnly } == true)
    }

    @Test func oldKernelGetsItsMinorAndA24ByteReply() throws {
        let dispatcher = Dispatcher(fileSystem: DictionaryTestFileSystem(), options: MountOptions())
        let reply = try #require(dispatcher.reply(initRequest(minor: 19, flags: [.asyncRead, .bigWrites])))
        #expect(reply.error == 0 && reply.body.count == 24)
        #expect(reply.u32(at: 4) == 19 && reply.u32(at: 12) == UInt32(InitFlags([.asyncRead, .bigWrites]).rawValue))
        #expect(try #require(dispatcher.negotiated).capabilities == [.asyncRead, .bigWrites])
    }

    @Test func kernelWithoutInitExtGetsNoFlags2() throws {
        let dispatcher = Dispatcher(fileSystem: DictionaryTestFileSystem(), options: MountOptions())
        var offer = kernelOffer
        offer.remove(.initExtended)
        let reply = try #require(dispatcher.reply(initRequest(minor: 31, flags: offer)))
        #expect(reply.u32(at: 4) == 31 && reply.u32(at: 36) == 0)
        #expect(InitFlags(rawValue: UInt64(reply.u32(at: 12))).contains(.initExtended) == false)
    }

    @Test func newerMajorGetsOurVersionAndOlderGetsEPROTO() throws {
        let dispatcher = Dispatcher(fileSystem: DictionaryTestFileSystem(), options: MountOptions())
        let newer = try #require(dispatcher.reply(initRequest(major: 8, flags: kernelOffer)))
        #expect(newer.error == 0 && newer.body == u32(7) + u32(38))
        #expect(dispatcher.negotiated == nil)
        #expect(dispatcher.reply(initRequest(major: 6, flags: []))?.error == -Errno.protocolError.rawValue)
        #expect(dispatcher.reply(initRequest(minor: 11, flags: []))?.error == -Errno.protocolError.rawValue)
        #expect(dispatcher.reply(initRequest(flags: kernelOffer))?.error == 0)
        #expect(dispatcher.reply(initRequest(unique: 3, flags: kernelOffer))?.error == -Errno.protocolError.rawValue)
    }

    @Test func requestsBeforeInitAnswerEIO() throws {
        let dispatcher = Dispatcher(fileSystem: DictionaryTestFileSystem(), options: MountOptions())
        let reply = try #require(dispatcher.reply(request(.lookup, unique: 4, cString("hello.txt"))))
        #expect(reply.error == -Errno.ioError.rawValue && reply.unique == 4)
        #expect(dispatcher.handle(request(.forget, unique: 6, nodeID: 2, u64(1))) == nil)
    }

    @Test func destroyRunsOnceAndEndsTheSession() throws {
        let fileSystem = DictionaryTestFileSystem()
        let dispatcher = Dispatcher.started(fileSystem)
        #expect(dispatcher.reply(request(.destroy, unique: 8))?.error == 0)
        #expect(dispatcher.isDestroyed)
        #expect(dispatcher.reply(request(.destroy, unique: 10))?.error == -Errno.ioError.rawValue)
        #expect(dispatcher.reply(request(.getattr, unique: 12, u32(0) + u32(0) + u64(0)))?.error == -Errno.ioError.rawValue)
        #expect(fileSystem.state.withLock { $0.destroyCount } == 1)
    }

    @Test func drainingDestroysOnceAndLaterRequestsGetEIO() throws {
        // What a signal does to a mount that files keep open: drain, flush (destroy), answer the rest EIO.
        let fileSystem = DictionaryTestFileSystem()
        let dispatcher = Dispatcher.started(fileSystem)
        #expect(dispatcher.reply(request(.lookup, unique: 2, cString("hello.txt")))?.error == 0)
        dispatcher.drainAndDestroy()
        dispatcher.drainAndDestroy()
        #expect(dispatcher.isDestroyed)
        #expect(fileSystem.state.withLock { $0.destroyCount } == 1)
        #expect(dispatcher.reply(request(.lookup, unique: 4, cString("hello.txt")))?.error == -Errno.ioError.rawValue)
        #expect(dispatcher.reply(request(.destroy, unique: 6))?.error == -Errno.ioError.rawValue)
        #expect(fileSystem.state.withLock { $0.destroyCount } == 1)
    }
}
