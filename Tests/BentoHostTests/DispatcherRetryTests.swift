import BentoHost
import BentoKit
import Dispatch
import class Foundation.Thread
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
    /// Serves a fresh `HoldingModule` 1 file system; during its `beginUpgrade` an fsync arrives on another
    /// thread (and, with `expectHeld`, must still be unanswered 200 ms later); then `upgrade` runs. Returns the
    /// fsync's reply and the module.
    private func fsyncDuringUpgrade(expectHeld: Bool, _ upgrade: (Dispatcher, HoldingModule) throws -> Void)
        throws -> (reply: ParsedReply?, old: HoldingModule) {
        let fsync = request(.fsync, unique: 10, nodeID: 1, u64(0) + u32(0) + u32(0))
        let box = Mutex<Dispatcher?>(nil), reply = Mutex<ParsedReply?>(nil)
        let done = DispatchSemaphore(value: 0)
        let old = HoldingModule(version: 1) {
            // A thread of its own, not the shared dispatch pool, which other suites running alongside may keep busy.
            Thread {
                let dispatcher = box.withLock { $0 }
                reply.withLock { $0 = dispatcher?.reply(fsync) }
                done.signal()
            }.start()
            let waited = done.wait(timeout: .now() + .milliseconds(200))
            if expectHeld { #expect(waited == .timedOut, "answered before the swap") }
        }
        let dispatcher = Dispatcher(fileSystem: try old.make(source: "t", options: ModuleOptions()), options: MountOptions())
        _ = dispatcher.handle(initRequest(flags: kernelOffer))
        box.withLock { $0 = dispatcher }
        try upgrade(dispatcher, old)
        #expect(done.wait(timeout: .now() + .seconds(10)) == .success)
        return (reply.withLock { $0 }, old)
    }

    /// A request the running version asks to retry while it prepares to hand over waits, and then runs on the
    /// new version: the kernel sees one successful reply, never the internal code.
    @Test func aRequestAskedToRetryRunsOnTheNextVersion() throws {
        let new = HoldingModule(version: 2)
        let (reply, old) = try fsyncDuringUpgrade(expectHeld: true) { dispatcher, old in
            _ = try dispatcher.upgrade(from: old, to: new, source: "t")
        }
        #expect(reply?.error == 0)
        #expect(old.made.withLock { $0 }.map { $0.served.load(ordering: .relaxed) } == [0])
        #expect(new.made.withLock { $0 }.map { $0.served.load(ordering: .relaxed) } == [1])
    }

    /// When the upgrade fails, the request waiting to be retried runs on the old version, which serves again.
    @Test func aRetriedRequestRunsOnTheOldVersionWhenTheUpgradeFails() throws {
        let (reply, old) = try fsyncDuringUpgrade(expectHeld: false) { dispatcher, old in
            #expect(throws: HostError.self) { try dispatcher.upgrade(from: old, to: FailingModule(), source: "t") }
        }
        #expect(reply?.error == 0)
        #expect(old.made.withLock { $0 }.map { $0.served.load(ordering: .relaxed) } == [1])
    }
}
