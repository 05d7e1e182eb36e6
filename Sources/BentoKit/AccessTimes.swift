/// When reading a file or listing a directory updates its access time: the `relatime` (the default),
/// `strictatime` and `noatime` options of mount(8), with the kernel's rules (`relatime_need_update`).
///
/// A FUSE file system owns its access times: the kernel marks FUSE inodes `S_NOATIME`, updates none itself and,
/// after a READ or READDIR, forgets the atime it cached so that the next `stat` asks. So the file system applies
/// the rule when it serves a READ or a listing. Reads the kernel answers from its page cache never reach it:
/// under `strictatime` those update nothing (on ext4 they do).
public enum AccessTimes: String, Sendable, Hashable, CaseIterable {
    /// Update when the access time is not after the modification or change time, or is a day old or more.
    case relatime
    /// Update at every read that reaches the file system.
    case strictatime
    /// Never update on reads.
    case noatime

    /// Whether an access at `now` updates an access time of `access`, given the object's last modification and
    /// change: never to the same time, and under `relatime` only when `access` is not after `modification` or
    /// `change`, or is at least 24 hours before `now`.
    public func updates(access: Timestamp, modification: Timestamp, change: Timestamp, now: Timestamp) -> Bool {
        guard access != now else { return false }
        switch self {
        case .noatime: return false
        case .strictatime: return true
        case .relatime:
            let (elapsed, overflow) = now.seconds.subtractingReportingOverflow(access.seconds)
            return access <= modification || access <= change || (!overflow && elapsed >= Self.relatimeInterval)
        }
    }

    /// Seconds after which `relatime` updates an access time anyway.
    public static let relatimeInterval: Int64 = 24 * 60 * 60
}
