import BentoTesting
import Foundation
import Testing

// System calls with boundary numbers on a mounted file system: the mount must answer every one and keep serving,
// and where the answer does not depend on the file system's limits it must be ext4's (scripts/hostile_calls.py
// marks those lines with "="). This is the mounted half of the hostile-number tests; the dispatcher-level sweep
// of every operation is Tests/BentoHostTests/HostileNumberTests.swift.

private let scriptPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("scripts/hostile_calls.py").path

@Suite(.enabled(if: TestEnvironment.runsMountTests), .serialized)
struct HostileCallTests {
    @Test(arguments: FileSystemKind.allCases)
    func boundaryNumbersGetExt4sAnswersAndTheMountKeepsServing(_ kind: FileSystemKind) throws {
        let scratch = try ScratchDirectory("hostile-\(kind.rawValue)")
        let reference = try Ext4Reference(in: scratch)
        let mount = try BentoMount(kind, in: scratch)
        let ours = try Shell.check("mkdir \(mount.mountPoint)/work && python3 \(scriptPath) \(mount.mountPoint)/work", timeLimit: 300)
        let theirs = try Shell.check("python3 \(scriptPath) \(reference.path)", timeLimit: 300)

        let exact = { (output: String) in output.split(separator: "\n").filter { $0.hasPrefix("=") } }
        #expect(exact(ours.stdout).count == 15)
        #expect(exact(ours.stdout) == exact(theirs.stdout),
                "\(ProgramComparison.firstDifferentLines(exact(ours.stdout).joined(separator: "\n"), exact(theirs.stdout).joined(separator: "\n")))")
        if kind != .passthrough {  // passthrough's cookies are the host directory's (ext4: hashes)
            let far: [Int64] = [1 << 32 + 1, 1 << 40, 1 << 62, .max]
            let listed = ours.stdout.split(separator: "\n").filter { line in far.contains { line.hasSuffix("getdents after lseek \($0): 0") } }
            #expect(Set(listed).count == far.count, "a directory read past the end listed entries:\n\(ours.stdout)")
        }
        #expect(ProcessProbe.isAlive(mount.pid), "the daemon died")
        #expect(try Shell.run("ls \(mount.mountPoint)/work/dir | wc -l").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "40")
        try mount.unmount()
    }
}
