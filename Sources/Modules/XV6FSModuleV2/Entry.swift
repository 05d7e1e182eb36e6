import BentoKit
import XV6FS

/// The entry point of `libXV6FSModuleV2.so`: xv6fs 2.0.0, whose files answer `user.bento.version`.
@_cdecl("bento_module")
public func bentoModule() -> OpaquePointer { FileSystemModules.export(XV6FSModule(version: "2.0.0", showsVersion: true)) }
