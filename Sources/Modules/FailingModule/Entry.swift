import BentoKit

/// The entry point of `libFailingModule.so`, a test module for failed upgrades.
@_cdecl("bento_module")
public func bentoModule() -> OpaquePointer { FileSystemModules.export(FailingModule()) }

/// An xv6fs "2.9.0" that knows the running version's state (format `xv6fs`, versions 1 to 3) but whose
/// initializer always fails: the upgrade must roll back with the running version still serving.
final class FailingModule: FileSystemModule {
    let name = "xv6fs"
    let version = "2.9.0"
    let summary = "an xv6fs whose initializer always fails (tests failed upgrades)"

    func make(source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        throw ModuleError("this test module cannot make a file system")
    }

    func resume(from state: UpgradeState, source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        try state.require(format: "xv6fs", versions: 1...3)
        throw ModuleError("the initializer of this test module always fails")
    }
}
