import Foundation

/// `mount.fuse.bento`, mount(8)'s helper for the type `fuse.bento`: what makes `mount -t fuse.bento -o fs=xv6fs
/// IMAGE DIR` and the same line in /etc/fstab work. `scripts/install` links it to the `bento` binary, which acts
/// as the helper when called by that name (`Bento.main`).
///
/// mount(8) calls it as `mount.fuse.bento SOURCE DIRECTORY [-sfnv] [-N NAMESPACE] [-o OPTIONS] [-t TYPE]`. `fs=`
/// names the Bento type (default `xv6fs`); the options that only mount(8), fstab or systemd read (`defaults`,
/// `auto`, `noauto`, `user`, `users`, `nouser`, `owner`, `group`, `nofail`, `_netdev`, `comment=`, `x-*`) are
/// dropped; the rest go to `bento mount -o`, which refuses what it does not know before mounting. `-f` (fake)
/// mounts nothing.
enum MountHelper {
    /// The name the helper is installed under (`/usr/sbin/mount.fuse.bento`).
    static let name = "mount.fuse.bento"

    /// Options for mount(8), fstab and systemd, not for the file system.
    static let mountOnly: Set<String> = ["defaults", "auto", "noauto", "user", "users", "nouser", "owner", "group",
                                         "nofail", "_netdev"]

    /// What the helper was asked: a `bento mount` command line, or nothing to do (`-f`).
    enum Invocation: Equatable {
        case mount([String])
        case fake
    }

    /// The `bento mount` arguments (without the program name) for the helper's `arguments` (without its name).
    static func invocation(_ arguments: [String]) throws -> Invocation {
        var positional: [String] = [], options: [String] = [], fake = false
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "-o", "-N", "-t":
                guard let value = rest.popFirst() else { throw HelperError("\(argument) needs a value") }
                if argument == "-o" { options += value.split(separator: ",").map(String.init) }
            case let flags where flags.hasPrefix("-") && flags.count > 1:
                fake = fake || flags.dropFirst().contains("f")  // -s, -n, -v mean nothing here
            default:
                positional.append(argument)
            }
        }
        guard positional.count == 2 else {
            throw HelperError("usage: \(name) SOURCE DIRECTORY [-o fs=TYPE,OPTIONS] (got \(positional.count) operands)")
        }
        guard !fake else { return .fake }
        var type = "xv6fs"
        var kept: [String] = []
        for option in options {
            if option.hasPrefix("fs=") {
                type = String(option.dropFirst(3))
            } else if !mountOnly.contains(option), !option.hasPrefix("x-"), !option.hasPrefix("comment=") {
                kept.append(option)
            }
        }
        return .mount(["mount", "--fs", type] + (kept.isEmpty ? [] : ["-o", kept.joined(separator: ",")]) + positional)
    }

    /// A helper invocation that cannot be understood.
    struct HelperError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
