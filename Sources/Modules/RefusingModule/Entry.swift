import BentoKit

/// The entry point of `libRefusingModule.so`, a test module for failed upgrades.
@_cdecl("bento_module")
public func bentoModule() -> OpaquePointer { FileSystemModules.export(RefusingModule()) }

/// A future xv6fs "4.0.0" that reads only a state version (4) no xv6fs writes yet, and cannot make a fresh file
/// system either: every upgrade to it must fail with the running version still serving.
final class RefusingModule: FileSystemModule {
    let name = "xv6fs"
    let version = "4.0.0"
    let summary = "an xv6fs that refuses every state (tests failed upgrades)"

    func make(source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        throw ModuleError("this test module cannot make a file system")
    }

    func resume(from state: UpgradeState, source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        try state.require(format: "xv6fs", versions: 4...4)
        throw ModuleError("this test module cannot resume")
    }
}
