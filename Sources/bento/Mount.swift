import ArgumentParser
import BentoHost
import Foundation

/// `bento mount`: mounts a file system and serves it, in the background unless `--foreground`.
struct Mount: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mount a file system; returns once the mount is live and serves it in the background.",
        discussion: """
            Types: memfs (SOURCE: any word), passthrough (SOURCE: a directory), xv6fs (SOURCE: an image), or the \
            path of a file-system module (a shared library such as .build/debug/libMemFSModuleV1.so).
            Options (-o, comma-separated): allow_other, default_permissions (on by default; \
            no_default_permissions turns it off), ro, fsname=NAME, subtype=NAME, max_read=N, suid, dev, relatime|strictatime|noatime, \
            and Bento's own threads=N, writeback/nowriteback, cache=never|auto|always (passthrough), \
            passthrough=on|off (FUSE passthrough of open files to their host files; passthrough asks for it, \
            Linux 6.9+, root, never with writeback) and transport=auto|dev|uring (uring: FUSE over io_uring, \
            Linux 6.14+, as root Bento turns the fuse module's enable_uring on; dev: read/write on /dev/fuse; \
            auto, the default: uring where the kernel can serve it, else dev with the reason logged and \
            `bento status` showing dev(auto)), metrics=PORT (Prometheus's text format at             http://127.0.0.1:PORT/metrics). xv6fs also takes data=journal|ordered and cache_size=SIZE. Any \
            other option, or one the type does not take, is refused before mounting.
            End the mount with `umount MOUNTPOINT`; the daemon flushes and exits 0.
            """)

    @Option(name: .long, help: "File-system type: memfs, passthrough, xv6fs, or a module's path (libX.so).")
    var fs: String = "xv6fs"

    @Flag(help: "Serve in this process instead of returning once the mount is live.")
    var foreground = false

    @Option(name: .customShort("o"), help: "Mount options, comma-separated (repeatable).")
    var options: [String] = []

    @Option(help: "Write the serving daemon's process id to this file.")
    var pidFile: String?

    @Flag(help: .hidden)
    var notifyReady = false

    @Argument(help: "What to mount: an image, a directory or a word, depending on the type.")
    var source: String

    @Argument(help: "The directory to mount on.")
    var mountpoint: String

    /// The parsed `-o` options, with Bento's defaults (`MountOptions.forMount`).
    func mountOptions() throws -> MountOptions {
        do { return try MountOptions.forMount(options, source: source) } catch { throw ValidationError(error.description) }
    }

    /// This mount as the `bento` command line that asks for it (program name first), which the background daemon
    /// is started with: the same whether `bento mount` or mount(8)'s helper was called.
    var commandLine: [String] {
        ["bento", "mount", "--fs", fs] + options.flatMap { ["-o", $0] } + (pidFile.map { ["--pid-file", $0] } ?? [])
            + [source, mountpoint]
    }

    func validate() throws {
        _ = try mountOptions()
        do { try FileSystemDaemon.checkMountpoint(mountpoint) } catch { throw ValidationError(error.description) }
    }

    func run() throws {
        if foreground {
            try Daemon(mount: self).run()
        } else {
            throw ExitCode(try FileSystemDaemon.startInBackground(arguments: commandLine))
        }
    }
}
