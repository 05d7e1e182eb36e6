import BentoTesting
import Foundation
import Testing

// Randomized differential testing (scripts/fuzz_ops.py): random sequences of the system calls programs make, run
// on the mount and on ext4, every answer and the final tree compared; then several processes at once on one tree,
// checked for what must hold whatever the interleaving. Fixed seeds here; `scripts/soak` runs new seeds for hours.
// A difference prints the shrunk sequence as a script and as an in-process test.

private let fuzzOps = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("scripts/fuzz_ops.py").path

@Suite("Differential: random calls vs ext4", .enabled(if: TestEnvironment.runsMountTests), .serialized)
struct DifferentialTests {
    /// Seeds every CI run checks: 2 x 40 sequences of 100 calls per file system.
    static let seeds = [1, 2]

    @Test(arguments: FileSystemKind.allCases)
    func randomCallsGetExt4sAnswers(_ kind: FileSystemKind) throws {
        let scratch = try ScratchDirectory("fuzz-ops-\(kind.rawValue)")
        let reference = try Ext4Reference(in: scratch)
        // allow_other: some calls run as uid 1000, whom FUSE otherwise keeps out of a root's mount.
        let mount = try BentoMount(kind, in: scratch, options: ["allow_other"])
        for seed in Self.seeds {
            let run = try Shell.run("python3 \(fuzzOps) run \(mount.mountPoint) \(reference.path) --seed \(seed) --sequences 40 --ops 100",
                                    timeLimit: 600)
            #expect(run.status == 0 && run.stdout.contains("4000 compared, no difference"), "\(run)")
        }
        let concurrent = try Shell.run("python3 \(fuzzOps) concurrent \(mount.mountPoint) --seed 1 --processes 4 --ops 300",
                                       timeLimit: 600)
        #expect(concurrent.status == 0 && concurrent.stdout.contains("0 problems"), "\(concurrent)")
        #expect(ProcessProbe.isAlive(mount.pid), "the daemon died")
        try mount.unmount()  // xv6fs: fsck when the mount goes (BentoMount)
    }
}
