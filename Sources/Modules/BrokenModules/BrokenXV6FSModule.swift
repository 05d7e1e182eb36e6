import BentoKit

/// An xv6fs module that can never take over a mount, for testing failed upgrades (the `RefusingModule` and
/// `FailingModule` libraries): it refuses state versions outside `readableVersions`, and its initializer fails
/// on those it reads. It cannot make a fresh file system either. Every upgrade to it must roll back with the
/// running version still serving.
public final class BrokenXV6FSModule: FileSystemModule {
    public let name = "xv6fs"
    public let version: String
    public let summary = "an xv6fs that never takes over (tests failed upgrades)"
    /// The `xv6fs` state versions it claims to read.
    private let readableVersions: ClosedRange<UInt32>

    /// A module at `version` that reads state versions `readableVersions`.
    public init(version: String, readableVersions: ClosedRange<UInt32>) {
        self.version = version
        self.readableVersions = readableVersions
    }

    public func make(source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        throw ModuleError("this test module cannot make a file system")
    }

    public func resume(from state: UpgradeState, source: String, options: ModuleOptions) throws(ModuleError) -> any FileSystem {
        try state.require(format: "xv6fs", versions: readableVersions)
        throw ModuleError("the initializer of this test module always fails")
    }
}
