import BentoHost
import BentoKit
import Dispatch
import FUSEWire
import Synchronization
import Testing

/// Registers backing files in memory, numbering them 1, 2, ... as the kernel does, or refuses with `refusal`.
private final class FakeBackingFiles: BackingFiles {
    struct Log {
        var registered: [Int32] = []
        var unregistered: [Int32] = []
        var nextID: Int32 = 1
    }

    let log = Mutex(Log())
    let refusal: Errno?

    init(refusing refusal: Errno? = nil) { self.refusal = refusal }

    func register(_ descriptor: Int32) throws(Errno) -> BackingID {
        try log.withLock { log throws(Errno) -> BackingID in
            log.registered.append(descriptor)
            if let refusal { throw refusal }
            defer { log.nextID += 1 }
            return BackingID(rawValue: log.nextID)!
        }
    }

    func unregister(_ id: BackingID) { log.withLock { $0.unregistered.append(id.rawValue) } }

    var registered: [Int32] { log.withLock { $0.registered } }
    var unregistered: [Int32] { log.withLock { $0.unregistered } }
}

/// Files whose opens hand a backing descriptor (40 + the inode number; none for inode 9), as PassthroughFS does,
/// each with a new handle; it asks for passthrough where offered, and for whatever else `adjust` says.
private final class BackedTestFileSystem: FileSystem {
    let nextHandle = Atomic<UInt64>(1)
    let adjust: @Sendable (inout Connection) -> Void

    init(adjust: @escaping @Sendable (inout Connection) -> Void = { _ in }) { self.adjust = adjust }

    func initialize(_ connection: inout Connection) throws(Errno) {
        if connection.offered.contains(.passthrough) { connection.wanted.insert(.passthrough) }
        connection.cachePolicy = .soleWriter  // asks for FOPEN_KEEP_CACHE on every open
        adjust(&connection)
    }

    func lookup(_ request: Request, parent: Inode, name: FileName) throws(Errno) -> Entry {
        throw .noSuchFileOrDirectory
    }

    func getattr(_ request: Request, inode: Inode, handle: FileHandle?) throws(Errno) -> AttributesReply {
        throw .noSuchFileOrDirectory
    }

    func open(_ request: Request, inode: Inode, flags: OpenFlags) throws(Errno) -> OpenReply {
        OpenReply(handle: FileHandle(nextHandle.wrappingAdd(1, ordering: .relaxed).oldValue),
                  backingDescriptor: inode.rawValue == 9 ? nil : 40 + Int32(inode.rawValue))
    }

    func create(_ request: Request, parent: Inode, name: FileName, mode: FileMode,
                flags: OpenFlags) throws(Errno) -> CreateReply {
        let entry = Entry(attributes: Attributes(inode: Inode(7), mode: mode))
        return CreateReply(entry: entry, open: try open(request, inode: Inode(7), flags: flags))
    }
}

/// FUSE passthrough as the dispatcher serves it: negotiated at INIT (flags2 bit 5 = fuse.h bit 37, with
/// `max_stack_depth`), answered in OPEN and CREATE (`FOPEN_PASSTHROUGH` = 1 << 7 and `backing_id`, one per inode
/// while it has open files), dropped with the inode's last RELEASE; a refused registration answers without it.
@Suite struct DispatcherPassthroughTests {
    private let passthroughFlag: UInt32 = 1 << 7  // FOPEN_PASSTHROUGH
    private let keepCacheFlag: UInt32 = 1 << 1    // FOPEN_KEEP_CACHE

    /// A dispatcher over a `BackedTestFileSystem` that has answered INIT, and the reply to it.
    private func started(_ files: FakeBackingFiles?, options: MountOptions = MountOptions(),
                         offer: InitFlags = kernelOffer.union(.passthrough),
                         adjust: @escaping @Sendable (inout Connection) -> Void = { _ in }
    ) throws -> (Dispatcher, ParsedReply) {
        let fileSystem = BackedTestFileSystem(adjust: adjust)
        let dispatcher = Dispatcher(fileSystem: fileSystem, options: options, backingFiles: files)
        let reply = try #require(dispatcher.reply(initRequest(flags: offer)))
        return (dispatcher, reply)
    }

    /// OPEN of `inode`: (handle, open_flags, backing_id) of its `fuse_open_out`.
    private func open(_ inode: UInt64, on dispatcher: Dispatcher, unique: UInt64) throws -> (UInt64, UInt32, Int32) {
        let body = u32(0) + u32(0)  // flags, open_flags
        let reply = try #require(dispatcher.reply(request(.open, unique: unique, nodeID: inode, body)))
        #expect(reply.error == 0 && reply.body.count == 16)
        return (reply.u64(at: 0), reply.u32(at: 8), Int32(bitPattern: reply.u32(at: 12)))
    }

    /// RELEASE of `handle` of `inode`.
    private func release(_ inode: UInt64, handle: UInt64, on dispatcher: Dispatcher, unique: UInt64) {
        let body = u64(handle) + u32(0) + u32(0) + u64(0)  // fh, flags, release_flags, lock_owner
        #expect(dispatcher.reply(request(.release, unique: unique, nodeID: inode, body))?.error == 0)
    }

    @Test func initAnswersPassthroughWithAStackDepthWhenItCanRegisterBackingFiles() throws {
        let (on, reply) = try started(FakeBackingFiles())
        #expect(reply.u32(at: 32) & (1 << 5) != 0 && reply.u32(at: 36) == 1)  // flags2: PASSTHROUGH; max_stack_depth
        #expect(try #require(on.negotiated).usesPassthrough)
        let (_, stacked) = try started(FakeBackingFiles()) { $0.backingFilesAreStacked = true }
        #expect(stacked.u32(at: 36) == 2)
        for (files, offer) in [(nil, kernelOffer.union(.passthrough)), (FakeBackingFiles(), kernelOffer)] {
            let (off, reply) = try started(files, offer: offer)
            #expect(reply.u32(at: 32) & (1 << 5) == 0 && reply.u32(at: 36) == 0)
            #expect(try #require(off.negotiated).usesPassthrough == false)
        }
    }

    @Test func theWritebackCacheAndTheOptionTurnPassthroughOff() throws {
        var writeback = MountOptions()
        writeback.writebackCache = true
        let (cached, reply) = try started(FakeBackingFiles(), options: writeback)
        #expect(reply.u32(at: 12) & (1 << 16) != 0)  // flags: WRITEBACK_CACHE
        #expect(reply.u32(at: 32) & (1 << 5) == 0)   // flags2: no PASSTHROUGH
        #expect(reply.u32(at: 36) == 0)
        #expect(try #require(cached.negotiated).usesPassthrough == false)
        var off = MountOptions()
        off.passthrough = false
        let (refused, _) = try started(FakeBackingFiles(), options: off)
        #expect(try #require(refused.negotiated).usesPassthrough == false)
        let files = FakeBackingFiles()
        let (ignored, _) = try started(files, options: writeback)
        #expect(try open(2, on: ignored, unique: 2).2 == 0 && files.registered.isEmpty)  // descriptors are ignored
    }

    @Test func opensOfOneInodeShareOneBackingFileUntilTheLastRelease() throws {
        let files = FakeBackingFiles()
        let (dispatcher, _) = try started(files)
        let (first, flags, backing) = try open(2, on: dispatcher, unique: 2)
        #expect(flags == passthroughFlag && backing == 1)  // FOPEN_KEEP_CACHE dropped beside FOPEN_PASSTHROUGH
        let (second, _, shared) = try open(2, on: dispatcher, unique: 4)
        #expect(shared == 1 && files.registered == [42])
        #expect(try open(3, on: dispatcher, unique: 6).2 == 2 && files.registered == [42, 43])
        release(2, handle: first, on: dispatcher, unique: 8)
        #expect(files.unregistered.isEmpty)
        release(2, handle: second, on: dispatcher, unique: 10)
        #expect(files.unregistered == [1])
        #expect(try open(2, on: dispatcher, unique: 12).2 == 3 && files.registered == [42, 43, 42])
    }

    @Test func concurrentFirstOpensOfAnInodeEndWithOneBackingFile() throws {
        let files = FakeBackingFiles()
        let (dispatcher, _) = try started(files)
        let backings = Mutex(Set<Int32>())
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            let reply = dispatcher.reply(request(.open, unique: UInt64(2 + 2 * index), nodeID: 2, u32(0) + u32(0)))
            backings.withLock { _ = $0.insert(Int32(bitPattern: reply?.u32(at: 12) ?? 0)) }
        }
        // Racing registrations may happen; every one but the kept one is dropped again.
        let kept = try #require(backings.withLock { $0 }.first)
        #expect(backings.withLock { $0 } == [kept] && kept > 0)
        #expect(files.registered.count - files.unregistered.count == 1 && !files.unregistered.contains(kept))
    }

    @Test func createIsPassedThroughLikeOpen() throws {
        let files = FakeBackingFiles()
        let (dispatcher, _) = try started(files)
        let body = u32(0o1) + u32(0o100644) + u32(0o022) + u32(0) + cString("new")  // flags, mode, umask, open_flags
        let reply = try #require(dispatcher.reply(request(.create, unique: 2, body)))
        #expect(reply.error == 0 && reply.body.count == 128 + 16)
        #expect(reply.u32(at: 128 + 8) == passthroughFlag && reply.u32(at: 128 + 12) == 1 && files.registered == [47])
        release(7, handle: reply.u64(at: 128), on: dispatcher, unique: 4)
        #expect(files.unregistered == [1])
    }

    @Test func aRefusedRegistrationAnswersTheOpenThroughTheDaemon() throws {
        let files = FakeBackingFiles(refusing: .invalidArgument)
        let (dispatcher, _) = try started(files)
        let (first, flags, backing) = try open(2, on: dispatcher, unique: 2)
        #expect(flags == keepCacheFlag && backing == 0)
        // While the inode is open through the daemon, its other opens are too (the kernel refuses a mix).
        #expect(try open(2, on: dispatcher, unique: 4).2 == 0 && files.registered == [42])
        // A file the file system gave no descriptor for goes through the daemon without asking the kernel.
        #expect(try open(9, on: dispatcher, unique: 6).2 == 0 && files.registered == [42])
        release(2, handle: first, on: dispatcher, unique: 8)
        #expect(try open(3, on: dispatcher, unique: 10).2 == 0 && files.registered == [42, 43])
        #expect(files.unregistered.isEmpty)
    }

    @Test func epermEndsRegistrationForTheMount() throws {
        let files = FakeBackingFiles(refusing: .notPermitted)
        let (dispatcher, _) = try started(files)
        #expect(try open(2, on: dispatcher, unique: 2).2 == 0)
        #expect(try open(3, on: dispatcher, unique: 4).2 == 0)
        #expect(files.registered == [42])
    }
}
