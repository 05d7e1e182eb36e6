#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import BentoHost
import BentoSystem
import Foundation

/// The serving process behind `bento mount`: mounts, answers on the control socket, ends with the mount.
struct Daemon {
    let mount: Mount

    /// The C allocator's arenas in the serving process (`HostProcess.limitAllocatorArenas`): a daemon's memory
    /// must follow its caches' budget, and with more than one arena it did not (xv6fs with a 256 MiB budget,
    /// 200,000 files then 1 GiB written and read with data=journal: 302 MiB peak with glibc's default, 223 MiB
    /// with one arena, at the same speed; docs/PERFORMANCE.md).
    static let allocatorArenas = 1

    /// The largest buffer the C allocator keeps for reuse (`HostProcess.keepAllocatorBuffers`): above the largest
    /// request or reply (1 MiB of data plus headers), so the buffers of READ and WRITE are reused, not faulted in
    /// afresh each time.
    static let keptAllocatorBuffer = 4 << 20

    /// Starts `bento mount --foreground --notify-ready ...` as a detached child and waits until it reports the
    /// mount live (exit 0) or fails (its exit status; it has printed why on our standard error).
    static func startInBackground(arguments: [String]) throws -> Int32 {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        child.arguments = Array(arguments.dropFirst()) + ["--foreground", "--notify-ready"]
        let ready = Pipe()
        child.standardOutput = ready
        child.standardInput = FileHandle.nullDevice
        try child.run()
        let message = ready.fileHandleForReading.readDataToEndOfFile()
        if String(decoding: message, as: UTF8.self).hasPrefix("ready") { return 0 }
        child.waitUntilExit()
        return child.terminationStatus == 0 ? 1 : child.terminationStatus
    }

    /// Mounts and serves until the mount ends; exits the process with 0 after a clean end.
    func run() throws {
        HostProcess.limitAllocatorArenas(to: Self.allocatorArenas)
        HostProcess.keepAllocatorBuffers(upTo: Self.keptAllocatorBuffer)
        if mount.notifyReady { setsid() }
        SignalWatcher.blockTerminationSignals()
        let registry = BuiltinTypes.registry()
        let session: Session
        do {
            let options = try mount.mountOptions()
            // Listening first: a port in use fails the mount before anything is mounted. The server lives on its
            // own thread for the daemon's life.
            if let port = options.metricsPort { _ = try MetricsServer(registry: registry, port: port) }
            let typeName = mount.fs.contains("/") ? try Self.registerModule(at: mount.fs, in: registry) : mount.fs
            session = try registry.mount(type: typeName, source: mount.source, at: mount.mountpoint, options: options)
        } catch let error as HostError {
            throw Failure(error.description)
        }
        let control = try? ControlServer(registry: registry)
        if let pidFile = mount.pidFile {
            try? "\(getpid())\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
        }
        let cleanUp: @Sendable () -> Void = {
            control?.remove()
            if let pidFile = mount.pidFile { unlink(pidFile) }
        }
        SignalWatcher.watch { _ in
            // Detach; if files stay open past the grace period, drain and flush, then exit anyway: the kernel
            // aborts the connection and their users get ENOTCONN instead of hanging.
            _ = registry.unmountAll(timeout: .seconds(2))
            cleanUp()
            exit(0)
        }
        if mount.notifyReady { detachFromParent() }
        registry.waitForEnd(of: session)
        cleanUp()
        exit(0)
    }

    /// Loads the module at `path` and registers its type (an xv6fs module takes the image lock as the built-in
    /// type does); returns the type's name.
    static func registerModule(at path: String, in registry: Registry) throws(HostError) -> String {
        let type = FileSystemType(module: try ModuleLoader.load(path))
        registry.register(type.name == BuiltinTypes.xv6fs.name ? BuiltinTypes.lockingImage(type) : type)
        return type.name
    }

    /// Tells the waiting parent the mount is live, then lets go of its pipe and terminal.
    private func detachFromParent() {
        FileHandle.standardOutput.write(Data("ready\n".utf8))
        let null = open("/dev/null", O_RDWR)
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] { dup2(null, descriptor) }
        if null > STDERR_FILENO { close(null) }
    }
}

/// A failure reported as `Error: <message>` with exit status 1 (without the usage text a `ValidationError` prints).
struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
