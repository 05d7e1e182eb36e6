import BentoKit
import MemFS

/// The entry point of `libMemFSModuleV1.so`: memfs 1.0.0, as built into `bento`.
@_cdecl("bento_module")
public func bentoModule() -> OpaquePointer { FileSystemModules.export(MemFSModule(version: "1.0.0")) }
