import BentoKit
import XV6FS

/// The entry point of `libXV6FSModuleV1.so`: xv6fs 1.0.0, as built into `bento`.
@_cdecl("bento_module")
public func bentoModule() -> OpaquePointer { FileSystemModules.export(XV6FSModule(version: "1.0.0")) }
