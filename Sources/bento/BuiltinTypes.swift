import BentoHost
import Foundation
import BentoKit
import MemFS
import PassthroughFS

/// The file-system types compiled into the `bento` binary.
enum BuiltinTypes {
    /// Every built-in type.
    static let all: [FileSystemType] = [memfs, passthrough]

    /// The in-memory reference file system; SOURCE is any word.
    static let memfs = FileSystemType(
        name: "memfs", version: "1.0.0", summary: "in-memory file system (SOURCE: any word)"
    ) { _, options throws(HostError) in
        // The root belongs to whoever mounts (an unprivileged mount through fusermount3 must be able to use it).
        MemFS(options: MemFS.Options(checksPermissions: !options.defaultPermissions, writebackCache: true,
                                     rootOwner: UserID(getuid()), rootGroup: GroupID(getgid())))
    }

    /// Mirrors a host directory; SOURCE is that directory.
    static let passthrough = FileSystemType(
        name: "passthrough", version: "1.0.0", summary: "mirror of a host directory (SOURCE: the directory)"
    ) { source, _ throws(HostError) in
        do {
            return try PassthroughFS(root: source)
        } catch {
            throw HostError("\(source): \(error) — SOURCE must be an existing directory for passthrough")
        }
    }

    /// A registry holding every built-in type.
    static func registry() -> Registry {
        let registry = Registry()
        for type in all { registry.register(type) }
        return registry
    }
}
