import BentoTesting
import Foundation
import Testing

// Access times under `-o noatime` and `-o strictatime` on a mounted file system, beside ext4 mounted with the same
// option in the same test (relatime, the default, is a behaviour case run on every driver: Tests/BehaviourTests).
// Each read follows a drop of the kernel's caches, so it reaches the file system: reads the kernel answers from
// its page cache never do (docs/FEATURES.md).

@Suite(.enabled(if: TestEnvironment.runsMountTests), .serialized)
struct AccessTimeTests {
    /// Two reads of a file whose times were set a day back, each after dropping caches: the access time after
    /// setting, after the first read and after the second (seconds with nanoseconds, as `stat -c %.9X` prints them).
    private func accessTimes(in directory: String) throws -> [String] {
        let file = Shell.quote("\(directory)/f")
        let output = try Shell.check("""
            echo data > \(file) && touch -d '2001-01-01 00:00:00' \(file) && stat -c %.9X \(file) && \
            for round in 1 2; do sleep 0.05; sync; echo 3 > /proc/sys/vm/drop_caches; cat \(file) > /dev/null; \
            stat -c %.9X \(file); done
            """, timeLimit: 30).stdout
        return output.split(separator: "\n").map(String.init)
    }

    @Test(arguments: [FileSystemKind.memfs, .xv6fs], ["noatime", "strictatime"])
    func readsUpdateAccessTimesAsTheMountOptionSaysAsOnExt4(_ kind: FileSystemKind, _ option: String) throws {
        let scratch = try ScratchDirectory("atime-\(kind.rawValue)-\(option)")
        let reference = try Ext4Reference(in: scratch, options: option)
        let mount = try BentoMount(kind, in: scratch, options: [option])
        #expect(MountTable.entry(at: mount.mountPoint) != nil)
        #expect(try Shell.check("grep -F ' \(mount.mountPoint) ' /proc/mounts").stdout.contains(option))

        let ours = try accessTimes(in: mount.mountPoint), theirs = try accessTimes(in: reference.path)
        #expect(ours.count == 3 && theirs.count == 3)
        let moved = { (times: [String]) in times.count == 3 ? [times[1] != times[0], times[2] != times[1]] : [] }
        #expect(moved(ours) == moved(theirs), "ours \(ours), ext4 \(theirs)")
        #expect(moved(ours) == (option == "noatime" ? [false, false] : [true, true]), "ours \(ours)")
        try mount.unmount()
    }
}
