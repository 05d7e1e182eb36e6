import ArgumentParser
import BentoHost

/// `bento takeover` (hidden): the new daemon of `bento upgrade --daemon`. It takes the mount over from the daemon
/// listening at `--from` and serves it in this process.
struct Takeover: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take a live mount over from the daemon serving it (started by bento upgrade --daemon).",
        shouldDisplay: false)

    @Option(help: "The control socket of the daemon serving the mount.")
    var from: String

    @Argument(help: "The mount point.")
    var mountpoint: String

    @Flag(help: .hidden)
    var notifyReady = false

    func run() throws {
        do {
            try FileSystemDaemon.takeOver(mountpoint, from: from, registry: BuiltinTypes.registry(), notifiesStarter: notifyReady)
        } catch {
            throw Failure(error.description)
        }
    }
}
