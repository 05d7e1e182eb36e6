import BentoKit
import BentoSystem
import Foundation
import Synchronization

/// The process that serves a mount until it ends: what `bento mount` runs, and the whole `main.swift` of a file
/// system shipped as its own executable:
///
/// ```swift
/// import BentoHost
/// FileSystemDaemon.main(HelloFSModule())
/// ```
///
/// `main` takes `bento mount`'s arguments without `--fs` (`[-o OPTIONS]... [--foreground] [--pid-file FILE]
/// SOURCE MOUNTPOINT`): without `--foreground` it returns once the mount is live and serves from a background
/// process (itself, started again); it answers `bento status`, `bento stats`, `bento trace` and `bento upgrade`
/// like any Bento mount, and a new build of it takes a live mount over from the running one with
/// `bento upgrade --daemon --binary EXECUTABLE MOUNTPOINT` (it is started as `takeover --from SOCKET MOUNTPOINT`), serves metrics with `-o metrics=PORT`, unmounts on SIGINT or SIGTERM and exits 0 when
/// the mount ends (`umount MOUNTPOINT`).
public enum FileSystemDaemon {
    /// One mount to serve.
    public struct Request: Sendable {
        /// The type to mount, registered in the registry it is served from.
        public var typeName: String
        /// What to mount (an image, a directory, a word).
        public var source: String
        /// Where.
        public var mountpoint: String
        /// The parsed `-o` options (`MountOptions.forMount`).
        public var options: MountOptions
        /// Where to write the serving process's id.
        public var pidFile: String?
        /// Started by `startInBackground`: tell it when the mount is live, then let go of its pipe and terminal.
        public var notifiesStarter: Bool

        /// A mount to serve.
        public init(typeName: String, source: String, mountpoint: String, options: MountOptions, pidFile: String? = nil,
                    notifiesStarter: Bool = false) {
            self.typeName = typeName
            self.source = source
            self.mountpoint = mountpoint
            self.options = options
            self.pidFile = pidFile
            self.notifiesStarter = notifiesStarter
        }
    }

    /// The C allocator's arenas in the serving process (`HostProcess.limitAllocatorArenas`): a daemon's memory
    /// must follow its caches' budget, and with more than one arena it did not (xv6fs with a 256 MiB budget,
    /// 200,000 files then 1 GiB written and read with data=journal: 302 MiB peak with glibc's default, 223 MiB
    /// with one arena, at the same speed; docs/PERFORMANCE.md).
    static let allocatorArenas = 1

    /// The largest buffer the C allocator keeps for reuse (`HostProcess.keepAllocatorBuffers`): above the largest
    /// request or reply (1 MiB of data plus headers), so the buffers of READ and WRITE are reused, not faulted in
    /// afresh each time.
    static let keptAllocatorBuffer = 4 << 20

    /// The argument that marks the background process `startInBackground` starts.
    static let notifyFlag = "--notify-ready"

    /// Runs a file system's own executable (see the type's documentation) and exits: 0 once a background mount is
    /// live or a foreground one has ended, 1 with the reason on standard error otherwise.
    public static func main(_ module: any FileSystemModule) -> Never {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.contains("--help") || arguments.contains("-h") {
            print("usage: \(module.name) [-o OPTION[,OPTION...]]... [--foreground] [--pid-file FILE] SOURCE MOUNTPOINT\n"
                + "\(module.name) \(module.version): \(module.summary). Options as `bento mount --help` lists them.")
            exit(0)
        }
        do throws(HostError) {
            let registry = Registry()
            registry.register(FileSystemType(module: module))
            if let (socket, mountpoint) = takeoverArguments(arguments) {
                try takeOver(mountpoint, from: socket, registry: registry, notifiesStarter: arguments.contains(notifyFlag))
            }
            let (request, foreground) = try parse(arguments, typeName: module.name)
            try checkMountpoint(request.mountpoint)
            guard foreground || request.notifiesStarter else { exit(try startInBackground(arguments: CommandLine.arguments)) }
            try serve(request, from: registry)
        } catch {
            FileHandle.standardError.write(Data("\(module.name): \(error)\n".utf8))
            exit(1)
        }
    }

    /// Mounts `request` from `registry` and serves it in this process until the mount ends; then exits 0.
    public static func serve(_ request: Request, from registry: Registry) throws(HostError) -> Never {
        prepareProcess(notifiesStarter: request.notifiesStarter)
        // Listening first: a metrics port in use fails the mount before anything is mounted. The server lives on
        // its own thread for the process's life.
        if let port = request.options.metricsPort { _ = try MetricsServer(registry: registry, port: port) }
        let session = try registry.mount(type: request.typeName, source: request.source, at: request.mountpoint,
                                         options: request.options)
        run(session, registry: registry, pidFile: request.pidFile, ready: request.notifiesStarter ? "ready" : nil)
    }

    /// Takes over the mount at `mountpoint` from the daemon listening at `socketPath` (`Session.takeOver`: a
    /// daemon handoff, `bento upgrade --daemon`) and serves it in this process until it ends; then exits 0. With
    /// `notifiesStarter`, the line `ready<TAB>report` (`HandoffReport`) tells the process that started this one.
    public static func takeOver(_ mountpoint: String, from socketPath: String, registry: Registry,
                                notifiesStarter: Bool) throws(HostError) -> Never {
        prepareProcess(notifiesStarter: notifiesStarter)
        let taken = try Session.takeOver(mountpoint, from: socketPath, registry: registry)
        for descriptor in taken.held { hold(descriptor) }
        try registry.adopt(taken.session)
        if let port = taken.session.options.metricsPort, (try? MetricsServer(registry: registry, port: port)) == nil {
            FileHandle.standardError.write(Data("metrics port \(port) is still taken: no metrics from this daemon\n".utf8))
        }
        run(taken.session, registry: registry, pidFile: taken.pidFile,
            ready: notifiesStarter ? "ready\t\(taken.report.pause)\t\(taken.report)" : nil)
    }

    /// Descriptors this process keeps open for its mount's life (an image lock), which a handoff passes on to
    /// the next daemon, and the pid file it wrote.
    static let kept = Mutex<(held: [Int32], pidFile: String?)>(([], nil))

    /// Keeps `descriptor` open for the life of the mount and hands it to the next daemon on a handoff (an image's
    /// lock: the lock goes with it, and is never free in between).
    public static func hold(_ descriptor: Int32) {
        kept.withLock { $0.held.append(descriptor) }
    }

    /// The serving process's set-up: allocator, session, signals.
    private static func prepareProcess(notifiesStarter: Bool) {
        _ = HostProcess.limitAllocatorArenas(to: allocatorArenas)
        _ = HostProcess.keepAllocatorBuffers(upTo: keptAllocatorBuffer)
        if notifiesStarter { HostProcess.startSession() }
        SignalWatcher.blockTerminationSignals()
    }

    /// Serves `session` until it ends, or until another daemon took it over: the control socket, the pid file,
    /// signals, the starter told `ready`; then exits 0.
    private static func run(_ session: Session, registry: Registry, pidFile: String?, ready: String?) -> Never {
        let control = try? ControlServer(registry: registry)
        if let pidFile {
            try? "\(ProcessInfo.processInfo.processIdentifier)\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
        }
        kept.withLock { $0.pidFile = pidFile }
        let cleanUp: @Sendable () -> Void = {
            control?.remove()
            // After a handoff the pid file names the new daemon, which wrote it.
            if let pidFile, !session.wasHandedOver { try? FileManager.default.removeItem(atPath: pidFile) }
        }
        SignalWatcher.watch { _ in
            // Detach; if files stay open past the grace period, drain and flush, then exit anyway: the kernel
            // aborts the connection and their users get ENOTCONN instead of hanging.
            _ = registry.unmountAll(timeout: .seconds(2))
            cleanUp()
            exit(0)
        }
        if let ready {
            FileHandle.standardOutput.write(Data((ready + "\n").utf8))
            HostProcess.detachStandardStreams()
        }
        registry.waitForEnd(of: session)
        cleanUp()
        exit(0)
    }

    /// Starts this executable again with `arguments` (program name first) plus `--foreground --notify-ready`, as a
    /// detached child, and waits until it reports the mount live (0) or fails (its exit status; it has printed why
    /// on our standard error).
    public static func startInBackground(arguments: [String]) throws(HostError) -> Int32 {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let started = try startDetached(executable, arguments: Array(arguments.dropFirst()) + ["--foreground", notifyFlag])
        return started.ready != nil ? 0 : started.status
    }

    /// Starts `executable` with `arguments` as a detached child that serves in the background, and waits for its
    /// first line on standard output: a line starting `ready` when it serves (returned, without the newline),
    /// else nothing and its exit status (it has printed why on our standard error; never 0).
    public static func startDetached(_ executable: String, arguments: [String]) throws(HostError) -> (ready: String?, status: Int32) {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = arguments
        let ready = Pipe()
        child.standardOutput = ready
        child.standardInput = FileHandle.nullDevice
        do { try child.run() } catch { throw HostError("cannot start \(executable): \(error)") }
        let message = String(decoding: ready.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if message.hasPrefix("ready") { return (message.trimmingCharacters(in: .newlines), 0) }
        child.waitUntilExit()
        return (nil, child.terminationStatus == 0 ? 1 : child.terminationStatus)
    }

    /// Refuses a mount point that is missing or not a directory, saying what to do.
    public static func checkMountpoint(_ mountpoint: String) throws(HostError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: mountpoint, isDirectory: &isDirectory) else {
            throw HostError("\(mountpoint) does not exist: create the MOUNTPOINT directory first")
        }
        guard isDirectory.boolValue else { throw HostError("\(mountpoint) is not a directory") }
    }

    /// The socket and mount point of `takeover --from SOCKET MOUNTPOINT [--notify-ready]`, the arguments
    /// `bento upgrade --daemon --binary EXECUTABLE` starts a new daemon with; nil for a mount's arguments.
    static func takeoverArguments(_ arguments: [String]) -> (socket: String, mountpoint: String)? {
        let words = arguments.filter { $0 != notifyFlag }
        guard words.count == 4, words[0] == "takeover", words[1] == "--from" else { return nil }
        return (words[2], words[3])
    }

    /// `main`'s arguments as a request for `typeName`, and whether to serve in the foreground.
    static func parse(_ arguments: [String], typeName: String) throws(HostError) -> (Request, foreground: Bool) {
        var lists: [String] = [], positional: [String] = [], pidFile: String?
        var foreground = false, notifies = false
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            switch argument {
            case "-o", "--pid-file":
                guard let value = remaining.popFirst() else { throw HostError("\(argument) needs a value") }
                if argument == "-o" { lists.append(value) } else { pidFile = value }
            case "-f", "--foreground": foreground = true
            case notifyFlag: notifies = true
            case _ where argument.hasPrefix("-o") && argument.count > 2: lists.append(String(argument.dropFirst(2)))
            case _ where argument.hasPrefix("-"): throw HostError("unknown argument \(argument) (see --help)")
            default: positional.append(argument)
            }
        }
        guard positional.count == 2 else { throw HostError("give SOURCE and MOUNTPOINT (see --help)") }
        let options: MountOptions
        do { options = try MountOptions.forMount(lists, source: positional[0]) } catch { throw HostError(error.description) }
        let request = Request(typeName: typeName, source: positional[0], mountpoint: positional[1], options: options,
                              pidFile: pidFile, notifiesStarter: notifies)
        return (request, foreground)
    }
}
