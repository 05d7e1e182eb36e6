import BentoKit
import HelloFS

/// The entry point `bento mount --fs libHelloFSModule.so` and `bento upgrade` look for.
@_cdecl("bento_module")
public func bentoModule() -> OpaquePointer { FileSystemModules.export(HelloFSModule()) }
