import ArgumentParser
import BentoHost
import Foundation

/// `bento upgrade`: replaces a live mount's file system with a new version from a module, without unmounting.
struct Upgrade: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upgrade a live mount to the file-system module MODULE (a shared library) without unmounting.",
        discussion: """
            The daemon serving MOUNTPOINT holds requests back, lets the running version hand over its state, \
            starts the new version from it and swaps them; open files stay open. It prints the pause in \
            microseconds, split into draining the requests in flight, the old version's prepare and the new \
            version's start. A failed upgrade (a library that does not load, a module that refuses the state) \
            leaves the running version serving and says why.
            """)

    @Argument(help: "The mount point of a live Bento mount.")
    var mountpoint: String

    @Argument(help: "The module to upgrade to, e.g. .build/debug/libMemFSModuleV2.so.")
    var module: String

    func validate() throws {
        guard FileManager.default.fileExists(atPath: module) else { throw ValidationError("\(module) does not exist") }
        guard ControlServer.upgradeCommand(mountpoint: mountpoint, module: module) != nil else {
            throw ValidationError("paths holding a tab or a newline are not supported")
        }
    }

    func run() throws {
        let target = Self.absolute(mountpoint), library = Self.absolute(module)
        guard let daemon = Self.daemon(serving: target) else {
            throw Failure("\(target) is not a live Bento mount (see bento status)")
        }
        guard let command = ControlServer.upgradeCommand(mountpoint: target, module: library) else {
            throw Failure("paths holding a tab or a newline are not supported")
        }
        let answer = try ControlServer.send(command, to: daemon)
        let fields = answer.trimmingCharacters(in: .newlines).split(separator: "\t").map(String.init)
        guard fields.count == 11, fields[0] == "ok" else {
            throw Failure("upgrade failed, the running version keeps serving: "
                + answer.trimmingCharacters(in: .newlines).replacingOccurrences(of: "error: ", with: ""))
        }
        print("upgraded \(fields[1]): \(fields[2]) \(fields[3]) -> \(fields[4]) \(fields[5]), pause \(fields[6]) us "
            + "(drain \(fields[7]) us, prepare \(fields[8]) us, resume \(fields[9]) us; quiesce \(fields[10]) us before)")
    }

    /// `path` made absolute and normalized, as daemons record mount points.
    static func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

    /// The control socket of the daemon whose `status` lists `mountpoint`.
    static func daemon(serving mountpoint: String) -> String? {
        ControlServer.socketPaths().first { path in
            guard let answer = try? ControlServer.send("status", to: path) else { return false }
            return answer.split(separator: "\n").contains { $0.split(separator: "\t").first.map(String.init) == mountpoint }
        }
    }
}
