import BentoKit
import MemFS

/// The entry point of `libMemFSModuleV2.so`: memfs 2.0.0, whose files answer `user.bento.version`.
@_cdecl("bento_module")
public func bentoModule() -> OpaquePointer { FileSystemModules.export(MemFSModule(version: "2.0.0", showsVersion: true)) }
