import BentoKit
import TinyFS

/// The entry point `bento mount --fs libTinyFSModule.so` and `bento upgrade` look for.
@_cdecl("bento_module")
public func bentoModule() -> OpaquePointer { FileSystemModules.export(TinyFSModule()) }
