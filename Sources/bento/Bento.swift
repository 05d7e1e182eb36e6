import ArgumentParser

/// The `bento` command: mount, inspect and manage Bento file systems.
@main
struct Bento: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bento",
        abstract: "Write Linux file systems in safe Swift: mount them through FUSE and manage live mounts.",
        subcommands: [Mount.self, Status.self, Stats.self, Upgrade.self, Mkfs.self, Fsck.self, Shell.self, CrashCheck.self])
}
