import BentoKit
import BentoSystem
import FUSEWire
import Foundation
import Glibc
import Synchronization
import Testing
@testable import BentoHost

/// The pieces of a daemon handoff that need no mount (the whole handoff runs in IntegrationTests'
/// DaemonHandoffTests): descriptors crossing a socket, a blocked read ended by `ThreadInterrupt` even in a thread
/// that inherited the signal blocked, and the handoff state's encoding.
@Suite struct HandoffPiecesTests {
    @Test func descriptorsCrossASocketInOrder() throws {
        let (left, right) = try DescriptorPassing.socketPair()
        defer { DescriptorPassing.close(left); DescriptorPassing.close(right) }
        var pipes: [(read: Int32, write: Int32)] = []
        for index in 0..<3 {
            var ends: [Int32] = [0, 0]
            #expect(pipe(&ends) == 0)
            #expect(write(ends[1], [UInt8(index + 65)], 1) == 1)
            pipes.append((ends[0], ends[1]))
        }
        defer { for ends in pipes { close(ends.read); close(ends.write) } }
        try DescriptorPassing.send(pipes.map(\.read), over: left)
        let received = DescriptorPassing.receive(count: 3, over: right)
        #expect(received.count == 3 && Set(received).isDisjoint(with: pipes.map(\.read)), "new numbers for the same files")
        for (index, descriptor) in received.enumerated() {
            var byte: UInt8 = 0
            #expect(read(descriptor, &byte, 1) == 1 && byte == UInt8(index + 65), "descriptor \(index) is pipe \(index)")
            close(descriptor)
        }
        #expect(throws: Errno.self) { try DescriptorPassing.send([], over: left) }
    }

    @Test func anInterruptEndsABlockedReadEvenWhereTheSignalWasBlocked() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        ThreadInterrupt.install()
        let reader = ends[0]
        let outcome = Mutex<(thread: ThreadInterrupt.Thread?, result: Errno?)>((nil, nil))
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            var set = sigset_t()
            sigfillset(&set)
            pthread_sigmask(SIG_BLOCK, &set, nil)  // as a daemon started with every signal blocked
            outcome.withLock { $0.thread = ThreadInterrupt.current }
            var byte: UInt8 = 0
            do throws(Errno) { _ = try interruptibleSystemCall { read(reader, &byte, 1) } } catch { outcome.withLock { $0.result = error } }
            done.signal()
        }
        thread.start()
        var ended = false
        for _ in 0..<2000 where !ended {  // repeat: a signal just before the read starts is lost
            if let target = outcome.withLock({ $0.thread }) { ThreadInterrupt.interrupt(target) }
            ended = done.wait(timeout: .now() + 0.001) == .success
        }
        #expect(ended && outcome.withLock { $0.result } == .interrupted)
    }

    @Test func theHandoffStateSurvivesItsEncodingAndRefusesDamage() throws {
        let state = HandoffState(
            mountpoint: "/mnt/a b", source: "/images/x.img", typeName: "xv6fs", optionList: "ro,default_permissions",
            fsName: "/images/x.img", requestedTransport: .auto,
            negotiation: Negotiation(protocolMinor: 38, maximumWrite: 1 << 20, maximumReadahead: 1 << 17,
                                     capabilities: [.asyncRead, .readdirPlus], flags: [.asyncRead, .bigWrites]),
            lookups: 42, pidFile: "/run/x.pid",
            fileSystem: UpgradeState(format: "xv6fs", version: 4, bytes: [1, 2, 3], descriptors: [7, 9]), heldCount: 1)
        var decoded = try HandoffState(decoding: state.encoded)
        #expect(decoded.fileSystem.descriptors == [-1, -1], "descriptors arrive beside the state, not in it")
        decoded.fileSystem.descriptors = [7, 9]
        #expect(decoded == state)
        #expect(state.descriptors(fuse: 3, held: [11]) == [3, 7, 9, 11])
        #expect(throws: HostError.self) { try HandoffState(decoding: Array(state.encoded.dropLast())) }
        var later = state.encoded
        later[0] = 2  // another format version
        #expect(throws: HostError.self) { try HandoffState(decoding: later) }
    }

    /// A file system's own executable (`FileSystemDaemon.main`) is started by `bento upgrade --daemon --binary` with
    /// the arguments `bento takeover` takes; a mount's arguments are not mistaken for them.
    @Test func aFileSystemsOwnExecutableKnowsTheTakeoverArguments() {
        let parsed = FileSystemDaemon.takeoverArguments(["takeover", "--from", "/run/bento/7.sock", "/mnt/x", "--notify-ready"])
        #expect(parsed?.socket == "/run/bento/7.sock" && parsed?.mountpoint == "/mnt/x")
        #expect(FileSystemDaemon.takeoverArguments(["takeover", "/mnt/x"]) == nil)
        #expect(FileSystemDaemon.takeoverArguments(["-o", "ro", "takeover", "/mnt/x"]) == nil, "a source named takeover mounts")
    }
}
