import BentoHost
import BentoKit
import Dispatch
import MemFS
import Synchronization
import Testing

/// A module whose file systems never start: every resume throws.
final class FailingModule: FileSystemModule {
    let name = "memfs"
    let version = "9.0.0"
    let summary = "fails to start"
    func make(source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem { throw ModuleError("no") }
    func resume(from state: UpgradeState, source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        throw ModuleError("the new version's initializer failed")
    }
}

@Suite struct DispatcherUpgradeTests {
    private let v1 = MemFSModule(version: "1.0.0")
    private let v2 = MemFSModule(version: "2.0.0", showsVersion: true)

    /// A dispatcher past INIT serving a fresh memfs 1.0.0.
    private func served() throws -> Dispatcher {
        let dispatcher = Dispatcher(fileSystem: try v1.make(source: "t", options: ModuleOptions()), options: MountOptions())
        _ = dispatcher.handle(initRequest(flags: kernelOffer))
        return dispatcher
    }

    /// The reply to getxattr of `user.bento.version` on the root, with room for the value.
    private func versionReply(_ dispatcher: Dispatcher, unique: UInt64) -> ParsedReply? {
        dispatcher.reply(request(.getxattr, unique: unique, u32(64) + u32(0) + cString("user.bento.version")))
    }

    @Test func upgradeSwapsTheFileSystemKeepingItsTree() throws {
        let dispatcher = try served()
        #expect(dispatcher.reply(request(.mkdir, unique: 2, u32(0o755) + u32(0) + cString("kept")))?.error == 0)
        #expect(versionReply(dispatcher, unique: 4)?.error == -Errno.noData.rawValue)
        let pause = try dispatcher.upgrade(from: v1, to: v2, source: "t")
        #expect(pause.total > .zero && pause.total < .seconds(1) && pause.resume > .zero)
        #expect(versionReply(dispatcher, unique: 6)?.body == Array("2.0.0".utf8))
        #expect(dispatcher.reply(request(.lookup, unique: 8, cString("kept")))?.error == 0)
    }

    @Test func failedUpgradeLeavesTheRunningVersionServing() throws {
        let dispatcher = try served()
        #expect(dispatcher.reply(request(.mkdir, unique: 2, u32(0o755) + u32(0) + cString("kept")))?.error == 0)
        #expect(throws: HostError("memfs 9.0.0 refused the state: the new version's initializer failed")) {
            try dispatcher.upgrade(from: v1, to: FailingModule(), source: "t")
        }
        #expect(dispatcher.reply(request(.lookup, unique: 4, cString("kept")))?.error == 0)
        #expect(versionReply(dispatcher, unique: 6)?.error == -Errno.noData.rawValue)
    }

    @Test func requestsRacingUpgradesAllSucceed() throws {
        let dispatcher = try served()
        #expect(dispatcher.reply(request(.mkdir, unique: 2, u32(0o755) + u32(0) + cString("kept")))?.error == 0)
        let failures = Atomic<Int>(0), stop = Atomic<Bool>(false)
        let group = DispatchGroup()
        for thread in 0..<4 {
            DispatchQueue.global().async(group: group) {
                var unique = UInt64(thread) << 32 | 2
                while !stop.load(ordering: .relaxed) {
                    if dispatcher.reply(request(.lookup, unique: unique, cString("kept")))?.error != 0 {
                        failures.wrappingAdd(1, ordering: .relaxed)
                    }
                    unique += 2
                }
            }
        }
        for round in 0..<50 {
            _ = try dispatcher.upgrade(from: round % 2 == 0 ? v1 : v2, to: round % 2 == 0 ? v2 : v1, source: "t")
        }
        stop.store(true, ordering: .relaxed)
        group.wait()
        #expect(failures.load(ordering: .relaxed) == 0)
    }
}
