import Foundation
import BentoKit

/// The `-o` options of `bento mount`: the usual FUSE mount options plus Bento's own.
///
/// Kernel options (`allow_other`, `default_permissions`, `ro`, `max_read=`) go into the mount(2) data string
/// or flags; `fsname=` and `subtype=` name the mount in `/proc/mounts`; Bento's own tune the daemon.
public struct MountOptions: Sendable, Hashable {
    /// Let users other than the mounter use the mount (`allow_other`).
    public var allowOther = false
    /// Let the kernel check permissions from the mode bits (`default_permissions`).
    public var defaultPermissions = false
    /// Mount read-only (`ro`).
    public var readOnly = false
    /// The source shown in `/proc/mounts` (`fsname=`); defaults to the SOURCE argument.
    public var fsName: String?
    /// The type shown as `fuse.<subtype>` (`subtype=`); defaults to the file-system type's name.
    public var subtype: String?
    /// Largest read request, in bytes (`max_read=`).
    public var maxRead: UInt32?
    /// Worker threads, each on its own cloned channel (`threads=N`, Bento's own; default: cores, at least 2).
    public var threads: Int?
    /// Ask for the kernel's writeback cache (`writeback`/`nowriteback`, Bento's own); nil = the file system decides.
    public var writebackCache: Bool?
    /// How requests reach the daemon (`transport=auto|dev|uring`, Bento's own; default `auto`: `uring` where the
    /// kernel can serve it, else `dev`, settled before mounting by `Session.mount`).
    public var transport: Transport = .auto
    /// Pass open files through to the file system's backing files (`passthrough=on|off`, Bento's own; FUSE
    /// passthrough); nil = the file system decides (passthrough asks for it wherever the kernel offers it).
    public var passthrough: Bool?
    /// How much the kernel may cache of a file system whose source others can change (`cache=never|auto|always`,
    /// Bento's own; passthrough, default `auto`). Refused for types that do not list it (`FileSystemType.check`):
    /// a file system that is its source's only writer declares its own caching.
    public var cache: CacheMode?
    /// When reads update access times (`relatime`, the default, `strictatime`, `noatime`; the last one given wins).
    public var accessTimes: AccessTimes = .relatime
    /// Serve the daemon's metrics in Prometheus's text format on 127.0.0.1 at this port (`metrics=PORT`, Bento's
    /// own; `MetricsServer`).
    public var metricsPort: UInt16?
    /// Options we do not interpret, passed to the file system (`key=value` or `key`).
    public var extra: [String: String] = [:]
    /// The names of the options given, in order (`key` of `key` or `key=value`).
    public private(set) var given: [String] = []
    /// The list these options were parsed from (`init(parsing:)`), so that another process can parse it again
    /// (a daemon handing its mount over).
    public private(set) var list = ""

    /// The options every file-system type takes: the kernel's and the host's. `cache` and `passthrough` are
    /// parsed here too but belong to the types that list them (`FileSystemType.optionNames`).
    public static let common: Set<String> = [
        "allow_other", "default_permissions", "no_default_permissions", "ro", "rw", "fsname", "subtype", "max_read",
        "suid", "dev", "relatime", "strictatime", "noatime", "threads", "writeback", "nowriteback", "transport", "readahead",
        "metrics",
    ]

    /// The options given that are neither common nor in `own` (a type's own), once each, in the order given.
    public func unknown(besides own: Set<String>) -> [String] {
        var seen: Set<String> = []
        return given.filter { !Self.common.contains($0) && !own.contains($0) && seen.insert($0).inserted }
    }

    /// Defaults: no options.
    public init() {}

    /// The options of a mount of `source` given as `-o` lists, with Bento's defaults: `default_permissions` unless
    /// `no_default_permissions` is given, and an image or directory named in /proc/mounts by its absolute path (as
    /// mount(8) names devices) unless `fsname=` is given.
    public static func forMount(_ lists: [String], source: String) throws(MountOptionError) -> MountOptions {
        var list = lists.joined(separator: ",")
        if !list.split(separator: ",").contains("no_default_permissions") { list += ",default_permissions" }
        var parsed = try MountOptions(parsing: list)
        parsed.extra["no_default_permissions"] = nil
        if parsed.fsName == nil, FileManager.default.fileExists(atPath: source) {
            parsed.fsName = URL(fileURLWithPath: source).resolvingSymlinksInPath().path
        }
        return parsed
    }

    /// Parses a comma-separated list such as `allow_other,ro,fsname=data,max_read=131072`.
    /// Throws a message naming the bad option.
    public init(parsing list: String) throws(MountOptionError) {
        self.list = list
        for item in list.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1)
            let key = String(parts[0])
            let value = parts.count > 1 ? String(parts[1]) : nil
            try apply(key: key, value: value)
        }
    }

    private mutating func apply(key: String, value: String?) throws(MountOptionError) {
        given.append(key)
        switch key {
        case "allow_other": allowOther = true
        case "default_permissions": defaultPermissions = true
        case "ro": readOnly = true
        case "rw": readOnly = false
        case "fsname": fsName = try Self.required(value, for: key)
        case "subtype": subtype = try Self.required(value, for: key)
        case "max_read": maxRead = try Self.number(value, for: key)
        case "threads":
            let count = try Self.number(value, for: key)
            guard (1...256).contains(count) else { throw MountOptionError("threads must be between 1 and 256") }
            threads = Int(count)
        case "writeback": writebackCache = true
        case "nowriteback": writebackCache = false
        case "cache": cache = try Self.choice(value, for: key)
        case "transport": transport = try Self.choice(value, for: key)
        case "metrics":
            guard let port = UInt16(exactly: try Self.number(value, for: key)), port > 0 else {
                throw MountOptionError("option metrics needs a TCP port, 1 to 65535: metrics=9101")
            }
            metricsPort = port
        case "passthrough": passthrough = try Self.choice(value, for: key) == Switch.on
        case "relatime", "strictatime", "noatime":
            guard value == nil else { throw MountOptionError("option \(key) takes no value") }
            accessTimes = AccessTimes(rawValue: key) ?? .relatime
        default: extra[key] = value ?? ""
        }
    }

    /// The words of an option that is on or off (`passthrough=`).
    private enum Switch: String, CaseIterable {
        case on, off
    }

    /// One of a fixed set of words (`cache=`, `transport=`, `passthrough=`); anything else names the words there are.
    private static func choice<Choice: RawRepresentable & CaseIterable>(
        _ value: String?, for key: String
    ) throws(MountOptionError) -> Choice where Choice.RawValue == String {
        let name = try required(value, for: key)
        guard let chosen = Choice(rawValue: name) else {
            let words = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            throw MountOptionError("\(key) must be one of \(words), not '\(name)'")
        }
        return chosen
    }

    private static func required(_ value: String?, for key: String) throws(MountOptionError) -> String {
        guard let value, !value.isEmpty else { throw MountOptionError("option \(key) needs a value: \(key)=VALUE") }
        return value
    }

    private static func number(_ value: String?, for key: String) throws(MountOptionError) -> UInt32 {
        guard let text = try? required(value, for: key), let number = UInt32(text) else {
            throw MountOptionError("option \(key) needs a whole number: \(key)=N")
        }
        return number
    }
}

/// A `-o` option that could not be understood.
public struct MountOptionError: Error, Sendable, CustomStringConvertible {
    /// What is wrong and how to fix it.
    public let description: String
    init(_ description: String) { self.description = description }
}
