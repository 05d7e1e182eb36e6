import ArgumentParser
import Foundation

/// The `bento` command: mount, inspect and manage Bento file systems.
@main
struct Bento: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bento",
        abstract: "Write Linux file systems in safe Swift: mount them through FUSE and manage live mounts.",
        subcommands: [Mount.self, Status.self, Stats.self, Trace.self, Upgrade.self, Prov.self, Mkfs.self, Fsck.self, Shell.self, CrashCheck.self,
                      Takeover.self])

    /// Runs the command, or, called by the name `mount.fuse.bento`, mount(8)'s helper (`MountHelper`).
    static func main() {
        let arguments = CommandLine.arguments
        guard let program = arguments.first, URL(fileURLWithPath: program).lastPathComponent == MountHelper.name else {
            return main(nil)
        }
        do {
            switch try MountHelper.invocation(Array(arguments.dropFirst())) {
            case .fake: return
            case .mount(let command): main(command)
            }
        } catch {
            exit(withError: ValidationError("\(error)"))
        }
    }
}
