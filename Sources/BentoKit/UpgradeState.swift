/// What a file system hands its next version during a live upgrade: bytes in a named, versioned format.
///
/// State crosses module boundaries as bytes, never as Swift values, so an old and a new build of a file system
/// never share a type: the new version reads the format it knows and refuses, with a reason, any other.
public struct UpgradeState: Sendable, Hashable {
    /// The encoding's name, usually the file system's (`memfs`, `xv6fs`).
    public var format: String
    /// The encoding's version; a reader refuses versions it does not know.
    public var version: UInt32
    /// The encoded state.
    public var bytes: [UInt8]
    /// Open descriptors the state hands over (a device, say), which `bytes` names by their index here, never by
    /// number: a daemon handing its mount to another process sends them along and the new process sees its own
    /// numbers for them. They stay open until the new version has taken them over (it duplicates what it keeps).
    public var descriptors: [Int32]

    /// State in `format` at `version`, handing over `descriptors`.
    public init(format: String, version: UInt32, bytes: [UInt8], descriptors: [Int32] = []) {
        self.format = format
        self.version = version
        self.bytes = bytes
        self.descriptors = descriptors
    }

    /// Checks that this state is in `format` at one of `versions`, or throws a `ModuleError` saying which
    /// state arrived and which this build reads.
    public func require(format expected: String, versions: ClosedRange<UInt32>) throws(ModuleError) {
        guard format == expected else {
            throw ModuleError("cannot resume from \(format) state: this module reads \(expected) state only")
        }
        guard versions.contains(version) else {
            throw ModuleError("unknown \(format) state version \(version): this build reads versions "
                + "\(versions.lowerBound)...\(versions.upperBound)")
        }
    }
}

/// A file system that can hand its state to a new version of itself while mounted (`bento upgrade`).
///
/// The host calls `prepareUpgrade` with no request running and none admitted. If the new version then fails to
/// start, the host goes on serving from this one, so `prepareUpgrade` must leave it able to serve. Once the new
/// version has taken over, the host calls `retire` and never calls this one again.
public protocol UpgradableFileSystem: FileSystem {
    /// Everything the next version needs to go on where this one stops: open handles, lookup counts, and
    /// whatever it keeps only in memory.
    func prepareUpgrade() throws(Errno) -> UpgradeState
    /// Stops background work after the new version took over; must not change what the new version serves.
    func retire()
    /// Called while requests still flow, before the host stops admitting them: finish or hold back the long
    /// waits (an fsync's commit), so that the pause does not wait for them. A call that cannot finish before the
    /// swap throws `Errno.retryAfterUpgrade`, and the host runs it again on the version serving afterwards.
    func beginUpgrade()
    /// The upgrade did not happen: serve as before `beginUpgrade`.
    func cancelUpgrade()
}

extension UpgradableFileSystem {
    /// Nothing runs in the background by default.
    public func retire() {}
    /// Nothing to hold back by default.
    public func beginUpgrade() {}
    /// Nothing was held back by default.
    public func cancelUpgrade() {}
}

extension Errno {
    /// What a call throws when the file system, preparing to hand over (between `beginUpgrade` and the swap),
    /// cannot finish it: the host runs the call again, from the start, once the upgrade is over, on whichever
    /// version serves then. It never reaches the kernel (the value is Linux's kernel-internal ERESTARTSYS).
    public static var retryAfterUpgrade: Errno { Errno(rawValue: 512) }
}

extension XattrName {
    /// `user.bento.version`: file systems built to show it answer their version here on every file.
    public static let bentoVersion = try! XattrName("user.bento.version")
}
