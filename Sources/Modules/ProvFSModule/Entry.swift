import BentoKit
import ProvFS

/// The entry point of `libProvFSModule.so`: provfs 1.0.0. `bento upgrade MOUNTPOINT libProvFSModule.so` on a
/// mounted xv6fs starts recording provenance; upgrading back to an xv6fs module stops it, keeping the log.
@_cdecl("bento_module")
public func bentoModule() -> OpaquePointer { FileSystemModules.export(ProvFS.module(version: "1.0.0")) }
