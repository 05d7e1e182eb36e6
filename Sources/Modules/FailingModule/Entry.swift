import BentoKit
import BrokenModules

/// The entry point of `libFailingModule.so`: an xv6fs "2.9.0" that reads the running version's state (versions
/// 1 to 4) but whose initializer always fails (tests an upgrade whose new version throws).
@_cdecl("bento_module")
public func bentoModule() -> OpaquePointer {
    FileSystemModules.export(BrokenXV6FSModule(version: "2.9.0", readableVersions: 1...4))
}
