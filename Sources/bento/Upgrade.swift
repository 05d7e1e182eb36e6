import ArgumentParser
import BentoHost
import Foundation

/// `bento upgrade`: replaces a live mount's file system with a new version from a module, or the whole daemon
/// with a new process, without unmounting.
struct Upgrade: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upgrade a live mount to the file-system module MODULE (a shared library), or hand it to a new daemon "
            + "process (--daemon), without unmounting.",
        discussion: """
            The daemon serving MOUNTPOINT holds requests back, lets the running version hand over its state, \
            starts the new version from it and swaps them; open files stay open. It prints the pause in \
            microseconds, split into draining the requests in flight, the old version's prepare and the new \
            version's start. A failed upgrade (a library that does not load, a module that refuses the state) \
            leaves the running version serving and says why.

            With --daemon, a new process (this bento binary, or --binary PATH) takes the mount over from the \
            daemon serving it: the /dev/fuse session, the file system's state and the session's settings pass \
            between the processes, and the new build's file system of the same type serves on. A mount served \
            through FUSE over io_uring cannot be handed over (mount it with -o transport=dev).
            """)

    @Flag(help: "Hand the mount to a new daemon process instead of loading a module.")
    var daemon = false

    @Option(help: "With --daemon: the bento binary that takes over (default: this one).")
    var binary: String?

    @Argument(help: "The mount point of a live Bento mount.")
    var mountpoint: String

    @Argument(help: "The module to upgrade to, e.g. .build/debug/libMemFSModuleV2.so (not with --daemon).")
    var module: String?

    func validate() throws {
        if daemon {
            guard module == nil else { throw ValidationError("--daemon takes no MODULE: the new daemon's binary is --binary") }
            if let binary, !FileManager.default.isExecutableFile(atPath: binary) {
                throw ValidationError("\(binary) is not an executable file")
            }
            return
        }
        guard binary == nil else { throw ValidationError("--binary goes with --daemon") }
        guard let module else { throw ValidationError("give the MODULE to upgrade to, or --daemon") }
        guard FileManager.default.fileExists(atPath: module) else { throw ValidationError("\(module) does not exist") }
        guard ControlServer.upgradeCommand(mountpoint: mountpoint, module: module) != nil else {
            throw ValidationError("paths holding a tab or a newline are not supported")
        }
    }

    func run() throws {
        let target = Self.absolute(mountpoint)
        guard let daemon = Self.daemon(serving: target) else {
            throw Failure("\(target) is not a live Bento mount (see bento status)")
        }
        if self.daemon { return try handOff(target, from: daemon) }
        guard let module, let command = ControlServer.upgradeCommand(mountpoint: target, module: Self.absolute(module)) else {
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

    /// Starts the new daemon (`bento takeover`), which takes `target` over from the daemon at `socket`.
    private func handOff(_ target: String, from socket: String) throws {
        let executable = binary.map(Self.absolute) ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let started: (ready: String?, status: Int32)
        do { started = try FileSystemDaemon.startDetached(executable, arguments: ["takeover", "--from", socket, target, "--notify-ready"]) } catch {
            throw Failure("\(error); the running daemon keeps serving")
        }
        guard let ready = started.ready else {
            throw Failure("the new daemon did not take \(target) over (exit status \(started.status)); the running daemon keeps serving")
        }
        // `ready<TAB>pause-µs<TAB>report`
        print("handed over " + (ready.split(separator: "\t", maxSplits: 2).last.map(String.init) ?? ready))
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
