import BentoSystem
import Foundation

/// Unprivileged mounting through the setuid `fusermount3` helper (Debian package `fuse3`).
extension Mounter {
    static func mountWithFusermount(at path: String, source: String, type: String,
                                    options: MountOptions) throws(HostError) -> Channel {
        let sockets: (ours: Int32, helpers: Int32)
        do {
            sockets = try DescriptorPassing.socketPair()
        } catch {
            throw HostError("socketpair for fusermount3 failed: \(error)")
        }
        defer { DescriptorPassing.close(sockets.ours) }
        var list = ["fsname=\(options.fsName ?? source)", "subtype=\(options.subtype ?? type)", "nosuid", "nodev"]
        if options.allowOther { list.append("allow_other") }
        if options.defaultPermissions { list.append("default_permissions") }
        if options.readOnly { list.append("ro") }
        if let maxRead = options.maxRead { list.append("max_read=\(maxRead)") }
        do {
            // Foundation's Process passes only standard input, output and error to the child, so the socket
            // goes in as the helper's standard input and _FUSE_COMMFD names descriptor 0.
            try runFusermount(["-o", list.joined(separator: ","), "--", path],
                              environment: ["_FUSE_COMMFD": "0"], input: sockets.helpers)
        } catch {
            DescriptorPassing.close(sockets.helpers)
            throw error
        }
        DescriptorPassing.close(sockets.helpers)
        guard let descriptor = DescriptorPassing.receive(over: sockets.ours) else {
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
}
