#if canImport(Glibc)
import Glibc
#endif
import BentoSystem
import Foundation

/// Unprivileged mounting through the setuid `fusermount3` helper (Debian package `fuse3`).
extension Mounter {
    static func mountWithFusermount(at path: String, source: String, type: String,
                                    options: MountOptions) throws(HostError) -> Channel {
        var sockets: [Int32] = [0, 0]
        do {
            _ = try systemCall { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &sockets) }
        } catch {
            throw HostError("socketpair for fusermount3 failed: \(error)")
        }
        defer { close(sockets[0]) }
        var list = ["fsname=\(options.fsName ?? source)", "subtype=\(options.subtype ?? type)", "nosuid", "nodev"]
        if options.allowOther { list.append("allow_other") }
        if options.defaultPermissions { list.append("default_permissions") }
        if options.readOnly { list.append("ro") }
        if let maxRead = options.maxRead { list.append("max_read=\(maxRead)") }
        do {
            // Foundation's Process passes only standard input, output and error to the child, so the socket
            // goes in as the helper's standard input and _FUSE_COMMFD names descriptor 0.
            try runFusermount(["-o", list.joined(separator: ","), "--", path],
                              environment: ["_FUSE_COMMFD": "0"], input: sockets[1])
        } catch {
            close(sockets[1])
            throw error
        }
        close(sockets[1])
        guard let descriptor = receiveDescriptor(over: sockets[0]) else {
            throw HostError("fusermount3 did not pass back the /dev/fuse channel")
        }
        return Channel(adopting: descriptor)
    }

    /// Runs `fusermount3` and waits for it; a missing binary or a failure becomes a clear error.
    static func runFusermount(_ arguments: [String], environment: [String: String],
                              input descriptor: Int32? = nil) throws(HostError) {
        let candidates = ["/usr/bin/fusermount3", "/bin/fusermount3", "/usr/local/bin/fusermount3"]
        guard let binary = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw HostError("/dev/fuse: permission denied — run as root or install fuse3 (fusermount3 is missing)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let descriptor { process.standardInput = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false) }
        do {
            try process.run()
        } catch {
            throw HostError("starting fusermount3 failed: \(error)")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HostError("fusermount3 \(arguments.joined(separator: " ")) failed with status \(process.terminationStatus)")
        }
    }

    /// Receives one descriptor sent with `SCM_RIGHTS`.
    private static func receiveDescriptor(over socket: Int32) -> Int32? {
        var byte: UInt8 = 0
        let controlLength = MemoryLayout<cmsghdr>.stride + MemoryLayout<Int32>.stride + 8
        var control = [UInt8](repeating: 0, count: controlLength)
        return withUnsafeMutablePointer(to: &byte) { bytePointer -> Int32? in
            var vector = iovec(iov_base: bytePointer, iov_len: 1)
            return control.withUnsafeMutableBytes { controlBytes -> Int32? in
                withUnsafeMutablePointer(to: &vector) { vectorPointer -> Int32? in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBytes.baseAddress
                    message.msg_controllen = controlBytes.count
                    guard (try? systemCall({ recvmsg(socket, &message, 0) })) ?? 0 > 0 else { return nil }
                    guard message.msg_controllen >= MemoryLayout<cmsghdr>.stride,
                          let base = controlBytes.baseAddress else { return nil }
                    let header = base.loadUnaligned(as: cmsghdr.self)
                    guard header.cmsg_level == SOL_SOCKET, header.cmsg_type == Int32(SCM_RIGHTS) else { return nil }
                    return base.loadUnaligned(fromByteOffset: MemoryLayout<cmsghdr>.stride, as: Int32.self)
                }
            }
        }
    }
}
