/// What a file system says about who else changes what it serves, declared once in `initialize`
/// (`Connection.cachePolicy`). The host turns it into the kernel's cache settings: the timeouts of every entry and
/// attribute reply that leaves them unset, negative entries for names that are not there, and the open flags that
/// keep file data and directory listings cached. File systems never set FUSE bits themselves.
///
/// The kernel's caches are where FUSE wins its speed back: every name, attribute, page or listing the kernel may
/// keep is a request that never reaches the daemon. What makes keeping them correct is who else writes: when every
/// change passes through the kernel (`soleWriter`), the kernel sees each one and updates or drops what it cached,
/// so the caches can live forever; when the backing store can change under the file system (passthrough over a
/// directory others use), they must expire (`sharedSource`).
public struct CachePolicy: Sendable, Hashable {
    /// How long the kernel may keep a name → inode mapping.
    public var entryTimeout: Duration
    /// How long the kernel may keep attributes.
    public var attributeTimeout: Duration
    /// How long the kernel may remember that a name does not exist (a LOOKUP answered with node 0); nil answers
    /// ENOENT, which the kernel does not cache.
    public var negativeTimeout: Duration?
    /// Keep a file's cached pages when it is opened again (`FOPEN_KEEP_CACHE` on every open); without it the kernel
    /// drops them at each open, unless the file system keeps them for that open itself.
    public var keepsFileData: Bool
    /// Cache directory listings in the kernel (`FOPEN_CACHE_DIR` with `FOPEN_KEEP_CACHE` on every opendir), so
    /// a second listing of an unchanged directory sends no READDIR.
    public var cachesDirectoryListings: Bool

    /// A policy with the given settings.
    public init(entryTimeout: Duration, attributeTimeout: Duration, negativeTimeout: Duration?, keepsFileData: Bool,
                cachesDirectoryListings: Bool) {
        self.entryTimeout = entryTimeout
        self.attributeTimeout = attributeTimeout
        self.negativeTimeout = negativeTimeout
        self.keepsFileData = keepsFileData
        self.cachesDirectoryListings = cachesDirectoryListings
    }

    /// "Forever" for the kernel: a year, far past any mount's life, and far from overflowing its jiffies.
    public static let forever: Duration = .seconds(365 * 24 * 3600)

    /// Every change passes through this mount (memfs, xv6fs on its own image): names, attributes, absences, file
    /// data and listings stay cached until the kernel itself changes them. There is no change the daemon makes
    /// on its own, so it never has to tell the kernel of one.
    public static let soleWriter = CachePolicy(
        entryTimeout: forever, attributeTimeout: forever, negativeTimeout: forever, keepsFileData: true,
        cachesDirectoryListings: true)

    /// The policy until a file system says otherwise: one-second timeouts, nothing else kept (the FUSE default
    /// of libfuse and the kernel's own assumptions).
    public static let conservative = CachePolicy(
        entryTimeout: .seconds(1), attributeTimeout: .seconds(1), negativeTimeout: nil, keepsFileData: false,
        cachesDirectoryListings: false)

    /// A backing store that may change under the file system, cached as `mode` says (virtiofsd's and libfuse
    /// passthrough_hp's `cache=` modes).
    public static func sharedSource(_ mode: CacheMode) -> CachePolicy {
        switch mode {
        case .never:
            CachePolicy(entryTimeout: .zero, attributeTimeout: .zero, negativeTimeout: nil, keepsFileData: false,
                        cachesDirectoryListings: false)
        case .auto:
            .conservative
        case .always:
            .soleWriter
        }
    }
}

/// How much of a shared backing store the kernel may cache (`-o cache=never|auto|always`).
public enum CacheMode: String, Sendable, Hashable, CaseIterable {
    /// Nothing: every lookup and stat reaches the file system, and file data is dropped at each open.
    case never
    /// One-second names and attributes; file data kept only while the source file's mtime is unchanged.
    case auto
    /// Everything, forever: for a source nobody else changes while it is mounted.
    case always
}
