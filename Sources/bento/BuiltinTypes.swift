import BentoHost
import Foundation
import BentoKit
import MemFS
import PassthroughFS
import ProvFS
import BentoServices
import XV6FS

/// The file-system types compiled into the `bento` binary.
enum BuiltinTypes {
    /// Every built-in type.
    static let all: [FileSystemType] = [memfs, passthrough, xv6fs, provfs]

    /// The in-memory reference file system; SOURCE is any word. Upgradable live to the memfs modules.
    static let memfs = FileSystemType(module: MemFSModule(version: "1.0.0"))
    /// Mirrors a host directory; SOURCE is that directory.
    static let passthrough = FileSystemType(
        name: "passthrough", version: "1.0.0", summary: "mirror of a host directory (SOURCE: the directory)",
        optionNames: ["cache", "passthrough"]
    ) { source, options throws(HostError) in
        do {
            return try PassthroughFS(root: source, options: .init(cache: options.cache ?? .auto))
        } catch {
            throw HostError("\(source): \(error) — SOURCE must be an existing directory for passthrough")
        }
    }

    /// The journaled xv6-derived file system; SOURCE is the image or block device (`-o data=journal|ordered`).
    /// Upgradable live to the xv6fs modules.
    static let xv6fs = lockingImage(FileSystemType(module: XV6FSModule(version: "1.0.0")))

    /// xv6fs with file provenance; SOURCE as for xv6fs. Upgradable live to and from the xv6fs modules.
    static let provfs = lockingImage(FileSystemType(module: ProvFS.module(version: "1.0.0")))

    /// `type` taking the image lock before it mounts a source, so that a second mount of the image is refused.
    static func lockingImage(_ type: FileSystemType) -> FileSystemType {
        type.checkingSource { source throws(HostError) in
            do { FileSystemDaemon.hold(try ImageLock.acquire(source)) } catch { throw HostError("\(source): \(error)") }
        }
    }

    /// A registry holding every built-in type.
    static func registry() -> Registry {
        let registry = Registry()
        for type in all { registry.register(type) }
        return registry
    }
}
