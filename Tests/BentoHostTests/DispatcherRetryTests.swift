import BentoHost
import BentoKit
import Dispatch
import Synchronization
import Testing

/// A file system that answers fsync with its version, and between `beginUpgrade` and the swap asks to be
/// retried (what xv6fs does while it holds its commits back).
private final class HoldingFileSystem: UpgradableFileSystem {
    let version: Int
    let held = Atomic<Bool>(false)
    let served = Atomic<Int>(0)
    /// Runs inside `beginUpgrade`, while requests still flow.
    let whileHolding: @Sendable () -> Void

    init(version: Int, whileHolding: @escaping @Sendable () -> Void) {
        self.version = version
        self.whileHolding = whileHolding
    }

    func lookup(_ request: Request, parent: Inode, name: FileName) throws(Errno) -> Entry { throw .noSuchFileOrDirectory }
    func getattr(_ request: Request, inode: Inode, handle: FileHandle?) throws(Errno) -> AttributesReply { throw .noSuchFileOrDirectory }

    func fsync(_ request: Request, inode: Inode, handle: FileHandle, dataOnly: Bool) throws(Errno) {
        guard !held.load(ordering: .acquiring) else { throw .retryAfterUpgrade }
        served.wrappingAdd(1, ordering: .relaxed)
    }

    func beginUpgrade() {
        held.store(true, ordering: .releasing)
        whileHolding()
    }

    func cancelUpgrade() { held.store(false, ordering: .releasing) }
    func prepareUpgrade() throws(Errno) -> UpgradeState { UpgradeState(format: "holding", version: 1, bytes: []) }
}

/// Makes `HoldingFileSystem`s of one version.
private final class HoldingModule: FileSystemModule {
    let name = "holding"
    let version: String
    let summary = "asks for retries while an upgrade prepares"
    let made = Mutex<[HoldingFileSystem]>([])
    let whileHolding: @Sendable () -> Void

    init(version: Int, whileHolding: @escaping @Sendable () -> Void = {}) {
        self.version = "\(version)"
        self.whileHolding = whileHolding
    }

    func make(source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        let fileSystem = HoldingFileSystem(version: Int(version) ?? 0, whileHolding: whileHolding)
        made.withLock { $0.append(fileSystem) }
        return fileSystem
    }

    func resume(from state: UpgradeState, source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        try make(source: source, options: options)
    }
}

@Suite struct DispatcherRetryTests {
    /// A request the running version asks to retry while it prepares to hand over waits, and then runs on the
    /// new version: the kernel sees one successful reply, never the internal code.
    @Test func aRequestAskedToRetryRunsOnTheNextVersion() throws {
        let fsync = request(.fsync, unique: 10, nodeID: 1, u64(0) + u32(0) + u32(0))
        let box = Mutex<Dispatcher?>(nil)
        let reply = Mutex<ParsedReply?>(nil)
        let done = DispatchSemaphore(value: 0)
        let old = HoldingModule(version: 1) {
            // An fsync arrives while the old version holds back: it must not be answered yet.
            DispatchQueue.global().async {
                let dispatcher = box.withLock { $0 }
                reply.withLock { $0 = dispatcher?.reply(fsync) }
                done.signal()
            }
            #expect(done.wait(timeout: .now() + .milliseconds(200)) == .timedOut, "answered before the swap")
        }
        let new = HoldingModule(version: 2)
        let dispatcher = Dispatcher(fileSystem: try old.make(source: "t", options: ModuleOptions()), options: MountOptions())
        _ = dispatcher.handle(initRequest(flags: kernelOffer))
        box.withLock { $0 = dispatcher }
        _ = try dispatcher.upgrade(from: old, to: new, source: "t")
        #expect(done.wait(timeout: .now() + .seconds(10)) == .success)
        #expect(reply.withLock { $0 }?.error == 0)
        #expect(old.made.withLock { $0 }.map { $0.served.load(ordering: .relaxed) } == [0])
        #expect(new.made.withLock { $0 }.map { $0.served.load(ordering: .relaxed) } == [1])
    }

    /// When the upgrade fails, the request waiting to be retried runs on the old version, which serves again.
    @Test func aRetriedRequestRunsOnTheOldVersionWhenTheUpgradeFails() throws {
        let fsync = request(.fsync, unique: 10, nodeID: 1, u64(0) + u32(0) + u32(0))
        let box = Mutex<Dispatcher?>(nil)
        let reply = Mutex<ParsedReply?>(nil)
        let done = DispatchSemaphore(value: 0)
        let old = HoldingModule(version: 1) {
            DispatchQueue.global().async {
                let dispatcher = box.withLock { $0 }
                reply.withLock { $0 = dispatcher?.reply(fsync) }
                done.signal()
            }
            _ = done.wait(timeout: .now() + .milliseconds(100))
        }
        let dispatcher = Dispatcher(fileSystem: try old.make(source: "t", options: ModuleOptions()), options: MountOptions())
        _ = dispatcher.handle(initRequest(flags: kernelOffer))
        box.withLock { $0 = dispatcher }
        #expect(throws: HostError.self) { try dispatcher.upgrade(from: old, to: RefusingModule(), source: "t") }
        #expect(done.wait(timeout: .now() + .seconds(10)) == .success)
        #expect(reply.withLock { $0 }?.error == 0)
        #expect(old.made.withLock { $0 }.map { $0.served.load(ordering: .relaxed) } == [1])
    }
}

/// A module that refuses every state.
private final class RefusingModule: FileSystemModule {
    let name = "holding"
    let version = "9"
    let summary = "refuses"
    func make(source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem { throw ModuleError("no") }
    func resume(from state: UpgradeState, source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        throw ModuleError("refused")
    }
}
