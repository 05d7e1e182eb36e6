import BentoKit

/// What a live upgrade did: the versions before and after, and how long requests were held back.
public struct UpgradeReport: Sendable, CustomStringConvertible {
    /// The mount upgraded.
    public let mountpoint: String
    /// The type and version that served before.
    public let previous: (name: String, version: String)
    /// The type and version that serve now.
    public let current: (name: String, version: String)
    /// How long no request was admitted, by phase.
    public let pause: UpgradePause

    public var description: String {
        "\(mountpoint): \(previous.name) \(previous.version) → \(current.name) \(current.version), "
            + "paused \(pause.total.microseconds) us (\(pause))"
    }
}

extension Session {
    /// Hands the mount over to `successor`, resumed from the running file system's state (see
    /// `Dispatcher.upgrade`). On failure the running version keeps serving and the error says why.
    public func upgrade(to successor: any FileSystemModule) throws(HostError) -> UpgradeReport {
        try currentType.withLock { type throws(HostError) -> UpgradeReport in
            guard let running = type.module else {
                throw HostError("\(type.name) \(type.version) cannot be upgraded live (it is not a file-system module)")
            }
            let pause = try dispatcher.upgrade(from: running, to: successor, source: source)
            let report = UpgradeReport(mountpoint: mountpoint, previous: (type.name, type.version),
                                       current: (successor.name, successor.version), pause: pause)
            type = FileSystemType(module: successor)
            logger.info("upgraded \(report)")
            return report
        }
    }
}
