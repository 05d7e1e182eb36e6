import BentoKit
import BrokenModules

/// The entry point of `libRefusingModule.so`: a future xv6fs "4.0.0" that reads only state version 5, which no
/// xv6fs writes yet (tests an upgrade refused for the state's version).
@_cdecl("bento_module")
public func bentoModule() -> OpaquePointer {
    FileSystemModules.export(BrokenXV6FSModule(version: "4.0.0", readableVersions: 5...5))
}
