import BentoHost
import BentoKit
import Dispatch
import FUSEWire
import MemFS
import Synchronization
import Testing

@Suite struct DispatcherTests {
    @Test func lookupAnswersAnEntryAndCountsALookupThatForgetReturns() throws {
        let fileSystem = DictionaryTestFileSystem()
        let dispatcher = Dispatcher.started(fileSystem)
        let reply = try #require(dispatcher.reply(request(.lookup, unique: 4, cString("hello.txt"))))
        #expect(reply.error == 0 && reply.unique == 4 && reply.body.count == 128)
        let inode = reply.u64(at: 0)
        #expect(reply.u64(at: 48) == 13)  // attr.size
        #expect(dispatcher.outstandingLookups == 1)
        #expect(dispatcher.handle(request(.forget, unique: 6, nodeID: inode, u64(1))) == nil)
        #expect(dispatcher.outstandingLookups == 0)
        #expect(fileSystem.state.withLock { $0.forgotten } == 1)
        #expect(dispatcher.requestCounts[.lookup] == 1 && dispatcher.requestCounts[.forget] == 1)
    }

    @Test func fileSystemErrorsBecomeTheReplyError() {
        let dispatcher = Dispatcher.started()
        #expect(dispatcher.reply(request(.lookup, unique: 4, cString("missing")))?.error == -Errno.noSuchFileOrDirectory.rawValue)
        #expect(dispatcher.reply(request(.mkdir, unique: 6, u32(0o755) + u32(0) + cString("d")))?.error
                == -Errno.noFunction.rawValue)
    }

    @Test func unknownOpcodesAnswerENOSYS() throws {
        let dispatcher = Dispatcher.started()
        var bytes = request(.statfs, unique: 4)
        bytes.replaceSubrange(4..<8, with: u32(40))  // FUSE_POLL
        let reply = try #require(dispatcher.reply(bytes))
        #expect(reply.error == -Errno.noFunction.rawValue && reply.unique == 4 && reply.length == 16)
        #expect(dispatcher.unknownRequestCount == 1)
    }

    @Test func malformedRequestsAnswerEINVALOrNothing() {
        let dispatcher = Dispatcher.started()
        #expect(dispatcher.reply(request(.lookup, unique: 4, Array("no-nul".utf8)))?.error == -Errno.invalidArgument.rawValue)
        var lying = request(.lookup, unique: 6, cString("hello.txt"))
        lying.replaceSubrange(0..<4, with: u32(4096))  // len larger than the buffer
        #expect(dispatcher.reply(lying)?.error == -Errno.invalidArgument.rawValue)
        #expect(dispatcher.reply(Array(request(.getattr, unique: 8).prefix(20)))?.unique == 8)
        #expect(dispatcher.handle(Array(request(.getattr, unique: 8).prefix(15))) == nil)  // no unique to answer
        #expect(dispatcher.handle(request(.getattr, unique: 0, u32(0) + u32(0) + u64(0))) == nil)  // notification id
        #expect(dispatcher.handle(request(.batchForget, unique: 10, u32(5) + u32(0))) == nil)      // malformed, no reply
    }

    @Test func readWriteAndCreate() throws {
        let dispatcher = Dispatcher.started()
        let created = try #require(dispatcher.reply(request(
            .create, unique: 4, u32(0o1) + u32(0o100644) + u32(0o022) + u32(0) + cString("new.txt"))))
        #expect(created.error == 0 && created.body.count == 128 + 16)
        let inode = created.u64(at: 0)
        #expect(dispatcher.outstandingLookups == 1)
        let write = u64(inode) + u64(0) + u32(5) + u32(0) + u64(0) + u32(0) + u32(0) + Array("bento".utf8)
        let written = try #require(dispatcher.reply(request(.write, unique: 6, nodeID: inode, write)))
        #expect(written.error == 0 && written.u32(at: 0) == 5)
        let read = try #require(dispatcher.handle(request(.read, unique: 8, nodeID: inode, readIn(offset: 1, size: 3))))
        #expect(read.payload == Array("ent".utf8) && ParsedReply(read).length == 19)
    }

    /// With a reply buffer (the ring's payload buffer), a READ's data is written there and the reply counts it;
    /// a READ asking for more than the buffer holds, and every other request, takes the usual path.
    @Test func readsWriteIntoAReplyBufferTheTransportLends() throws {
        let memfs = MemFS(options: MemFS.Options(checksPermissions: false))  // the requests come from uid 1000
        let dispatcher = Dispatcher(fileSystem: memfs, options: MountOptions())
        _ = dispatcher.handle(initRequest(flags: kernelOffer))
        let created = try #require(dispatcher.reply(request(
            .create, unique: 4, u32(0o2) + u32(0o100644) + u32(0o022) + u32(0) + cString("new.txt"))))  // O_RDWR
        let (inode, handle) = (created.u64(at: 0), created.u64(at: 128))
        let write = u64(handle) + u64(4096) + u32(5) + u32(0) + u64(0) + u32(0) + u32(0) + Array("bento".utf8)
        #expect(dispatcher.reply(request(.write, unique: 6, nodeID: inode, write))?.error == 0)

        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 8192, alignment: 16)
        defer { memory.deallocate() }
        memory.initializeMemory(as: UInt8.self, repeating: 0xAA)
        let read = { (size: UInt32, unique: UInt64) in
            request(.read, unique: unique, nodeID: inode, readIn(handle: handle, offset: 4094, size: size)).withUnsafeBytes {
                dispatcher.handle($0, replyBuffer: ReplyBuffer(memory))
            }
        }
        let inPlace = try #require(read(100, 8))
        #expect(inPlace.payload.isEmpty && inPlace.payloadInPlace == 7 && ParsedReply(inPlace).length == 16 + 7)
        #expect(Array(memory[0..<7]) == [0, 0] + Array("bento".utf8))  // the hole before the data reads as zeros
        let tooBig = try #require(read(9000, 10))
        #expect(tooBig.payloadInPlace == 0 && tooBig.payload == [0, 0] + Array("bento".utf8))
        let attributes = try #require(request(.getattr, unique: 12, nodeID: inode, u32(0) + u32(0) + u64(0)).withUnsafeBytes {
            dispatcher.handle($0, replyBuffer: ReplyBuffer(memory))
        })
        #expect(attributes.payloadInPlace == 0 && ParsedReply(attributes).error == 0)
    }

    @Test func writesLendTheRequestsOwnBytes() throws {
        let fileSystem = WriteAddressRecorder()
        let dispatcher = Dispatcher.started(fileSystem)
        let data = (0..<100).map { UInt8($0) }
        let write = request(.write, unique: 4, nodeID: 2, u64(0) + u64(0) + u32(100) + u32(0) + u64(0) + u32(0) + u32(0) + data)
        let (reply, base) = write.withUnsafeBytes { bytes in
            (dispatcher.handle(bytes).map(ParsedReply.init), UInt(bitPattern: bytes.baseAddress))
        }
        #expect(reply?.error == 0 && reply?.u32(at: 0) == 100)
        let seen = fileSystem.seen.withLock { $0 }
        #expect(seen?.bytes == data)
        #expect(seen?.address == base + 80)  // the data where the request holds it, after the two headers: no copy
    }

    /// A shared mapping of a file opened `O_APPEND` is written back at its page's offset (FUSE_WRITE_CACHE),
    /// not appended: fuzz-ops found memfs and xv6fs appending it, doubling the file.
    @Test(arguments: HostileKind.allCases)
    func aWriteOfCachedPagesIsNotAppended(_ kind: HostileKind) throws {
        let target = try HostileTarget(kind)
        let created = try target.require(.create, u32(0o2002) + u32(0o100644) + u32(0o022) + u32(0) + cString("log"),
                                         "create O_RDWR|O_APPEND")
        let (inode, handle) = (created.u64(at: 0), created.u64(at: 128))
        let write = { (writeFlags: UInt32, data: String) in
            target.send(.write, node: inode, u64(handle) + u64(0) + u32(UInt32(data.utf8.count)) + u32(writeFlags)
                        + u64(0) + u32(0o2002) + u32(0) + Array(data.utf8), "write")?.error
        }
        #expect(write(0, "hello") == 0)
        #expect(write(0, "!") == 0)  // an appending write at offset 0 goes at the end
        #expect(write(1, "J") == 0)  // the written-back page: at offset 0
        let read = try target.require(.read, node: inode, readIn(handle: handle, offset: 0, size: 100), "read")
        #expect(read.body == Array("Jello!".utf8))
        #expect(target.problems.isEmpty, "\(target.problems)")
    }

    @Test func xattrRepliesFollowTheCallersSize() throws {
        let dispatcher = Dispatcher.started()
        let inode = try #require(dispatcher.reply(request(.lookup, unique: 2, cString("hello.txt")))).u64(at: 0)
        #expect(dispatcher.reply(request(.setxattr, unique: 4, nodeID: inode, u32(4) + u32(0) + cString("user.a") + [1, 2, 3, 4]))?.error == 0)
        #expect(dispatcher.reply(request(.getxattr, unique: 6, nodeID: inode, u32(0) + u32(0) + cString("user.a")))?.u32(at: 0) == 4)
        #expect(dispatcher.reply(request(.getxattr, unique: 8, nodeID: inode, u32(3) + u32(0) + cString("user.a")))?.error
                == -Errno.outOfRange.rawValue)
        #expect(dispatcher.reply(request(.getxattr, unique: 10, nodeID: inode, u32(4) + u32(0) + cString("user.a")))?.body == [1, 2, 3, 4])
        #expect(dispatcher.reply(request(.listxattr, unique: 12, nodeID: inode, u32(0) + u32(0)))?.u32(at: 0) == 7)
        #expect(dispatcher.reply(request(.listxattr, unique: 14, nodeID: inode, u32(64) + u32(0)))?.body == cString("user.a"))
        #expect(dispatcher.reply(request(.getxattr, unique: 16, nodeID: inode, u32(9) + u32(0) + cString("user.b")))?.error
                == -Errno.noData.rawValue)
    }

    @Test func readdirStopsWhereTheKernelBufferIsFull() throws {
        let dispatcher = Dispatcher.started()
        let all = try #require(dispatcher.handle(request(.readdir, unique: 4, readIn(size: 4096))))
        #expect(all.payload.count == 32 + 32 + 40 + 32)  // ".", "..", "hello.txt", "slow"
        let two = try #require(dispatcher.handle(request(.readdir, unique: 6, readIn(size: 70))))
        #expect(two.payload.count == 64)
        let rest = try #require(dispatcher.handle(request(.readdir, unique: 8, readIn(offset: 2, size: 4096))))
        #expect(rest.payload.count == 40 + 32)
    }

    @Test func readdirplusCountsLookupsExceptDotAndDotDot() throws {
        let dispatcher = Dispatcher.started()
        let reply = try #require(dispatcher.handle(request(.readdirplus, unique: 4, readIn(size: 4096))))
        #expect(reply.payload.count == 160 + 160 + 168 + 160)
        #expect(reply.payload.prefix(8).allSatisfy { $0 == 0 })  // "." has node id 0
        #expect(dispatcher.outstandingLookups == 2)
    }

    @Test func getattrUsesTheHandleFlag() throws {
        let dispatcher = Dispatcher.started()
        let reply = try #require(dispatcher.reply(request(.getattr, unique: 4, u32(1) + u32(0) + u64(77))))
        #expect(reply.error == 0 && reply.body.count == 104 && reply.u64(at: 16) == 1)  // attr.ino
    }

    @Test func interruptRaisesTheFlagOfTheRequestInFlight() async throws {
        let fileSystem = DictionaryTestFileSystem()
        let dispatcher = Dispatcher.started(fileSystem)
        let slow = try #require(dispatcher.reply(request(.lookup, unique: 2, cString("slow")))).u64(at: 0)
        let reading = Task.detached { dispatcher.reply(request(.read, unique: 40, nodeID: slow, readIn(size: 10))) }
        while !fileSystem.slowReadStarted.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(1)) }
        #expect(dispatcher.handle(request(.interrupt, unique: 41, u64(40))) == nil)
        #expect(dispatcher.handle(request(.interrupt, unique: 43, u64(999))) == nil)  // unknown: ignored
        let reply = try #require(await reading.value)
        #expect(reply.error == -Errno.interrupted.rawValue && reply.unique == 40)
    }

    @Test func manyThreadsServeRequestsAtOnce() {
        let dispatcher = Dispatcher.started()
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 2000) { index in
            let unique = UInt64(index + 1) * 2
            let reply = dispatcher.reply(request(.lookup, unique: unique, cString("hello.txt")))
            if reply?.error != 0 || reply?.unique != unique { failures.wrappingAdd(1, ordering: .relaxed) }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(dispatcher.outstandingLookups == 2000)
    }
}

/// Records where the bytes of the last write lay in memory and what they were.
private final class WriteAddressRecorder: FileSystem {
    let seen = Mutex<(address: UInt, bytes: [UInt8])?>(nil)

    func lookup(_ request: Request, parent: Inode, name: FileName) throws(Errno) -> Entry { throw .noSuchFileOrDirectory }
    func getattr(_ request: Request, inode: Inode, handle: FileHandle?) throws(Errno) -> AttributesReply { throw .noSuchFileOrDirectory }
    func write(_ request: Request, inode: Inode, handle: FileHandle, offset: UInt64, data: Span<UInt8>,
               flags: OpenFlags) throws(Errno) -> UInt32 {
        let address = data.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        let bytes = Array(copying: data)
        seen.withLock { $0 = (address, bytes) }
        return UInt32(data.count)
    }
}
