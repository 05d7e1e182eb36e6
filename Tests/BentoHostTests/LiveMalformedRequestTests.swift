import Foundation
import Testing
@testable import BentoHost
import BentoKit
import FUSEWire

@Suite(.serialized) struct LiveMalformedRequestTests {
    /// Requests the decoder must refuse: cut bodies, lying lengths, names without NUL, unknown opcodes, noise.
    static let malformed: [[UInt8]] = {
        var list: [[UInt8]] = []
        let lookup = request(.lookup, unique: 900_001, cString("file"))
        list.append(Array(lookup.dropLast()))                                // name without its NUL, len lying
        var noNul = request(.lookup, unique: 900_002, Array("file".utf8))    // len agrees, name has no NUL
        noNul[0] = UInt8(noNul.count)
        list.append(noNul)
        var lying = request(.getattr, unique: 900_003, u32(0) + u32(0) + u64(0))
        lying.replaceSubrange(0..<4, with: u32(4096))                        // len says more than was read
        list.append(lying)
        list.append(Array(request(.write, unique: 900_004, nodeID: 2, u64(0) + u64(0)).prefix(50)))  // cut write
        list.append(request(.mkdir, unique: 900_005, u32(0o755)))          // body too short for mkdir_in
        var unknown = request(.statfs, unique: 900_006)
        unknown.replaceSubrange(4..<8, with: u32(4000))                      // an opcode no kernel sends
        list.append(unknown)
        var random = SystemRandomNumberGenerator()
        for unique in 900_100..<900_400 {                                  // noise with a plausible header
            var noise = (0..<Int.random(in: 40...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            noise.replaceSubrange(0..<4, with: u32(UInt32(noise.count)))
            noise.replaceSubrange(4..<8, with: u32(UInt32.random(in: 4000...5000, using: &random)))
            noise.replaceSubrange(8..<16, with: u64(UInt64(unique)))
            list.append(noise)
        }
        return list
    }()

    @Test(.enabled(if: Machine.shouldMount))
    func malformedRequestsToALiveMountsDispatcherLeaveItServing() throws {
        let directory = try ScratchDirectory("malformed")
        let registry = Registry()
        registry.register(RegistryTests.memfs)
        let session = try registry.mount(type: "memfs", source: "m", at: directory.path, options: MountOptions())
        defer { _ = registry.unmountAll(timeout: .seconds(10)) }
        try Data("before".utf8).write(to: URL(fileURLWithPath: directory.path + "/file"))

        for bytes in Self.malformed {
            let reply = try #require(bytes.withUnsafeBytes { session.dispatcher.handle($0) })
            let parsed = ParsedReply(reply)
            #expect(parsed.error == -Errno.invalidArgument.rawValue || parsed.error == -Errno.noFunction.rawValue,
                    "request \(bytes.prefix(16)) got \(parsed.error)")
        }

        try Data("after".utf8).write(to: URL(fileURLWithPath: directory.path + "/file2"))
        #expect(try String(contentsOfFile: directory.path + "/file", encoding: .utf8) == "before")
        #expect(try String(contentsOfFile: directory.path + "/file2", encoding: .utf8) == "after")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["file", "file2"])
    }
}
