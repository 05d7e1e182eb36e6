import BentoHost
import BentoKit
import MemFS

/// The file-system types compiled into the `bento` binary.
enum BuiltinTypes {
    /// Every built-in type.
    static let all: [FileSystemType] = [memfs]

    /// The in-memory reference file system; SOURCE is any word.
    static let memfs = FileSystemType(
        name: "memfs", version: "1.0.0", summary: "in-memory file system (SOURCE: any word)"
    ) { _, options throws(HostError) in
        MemFS(options: MemFS.Options(checksPermissions: !options.defaultPermissions))
    }

    /// A registry holding every built-in type.
    static func registry() -> Registry {
        let registry = Registry()
        for type in all { registry.register(type) }
        return registry
    }
}
