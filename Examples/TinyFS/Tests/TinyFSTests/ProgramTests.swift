import BentoTesting
import Foundation
import Testing

/// Real programs on a TinyFS mount and on tmpfs (`/dev/shm`), side by side (`ProgramComparison`): the same
/// commands must print the same and leave the same tree (as root; CI=true makes that a failure, not a skip).
@Suite(.enabled(if: getuid() == 0 || ProcessInfo.processInfo.environment["CI"] == "true"))
struct TinyFSPrograms {
    @Test func copyArchiveSearchMoveAndRemoveAsOnTmpfs() throws {
        let mountpoint = try TinyFSMount.mount()
        defer { TinyFSMount.unmount(mountpoint) }
        let baseline = "/dev/shm/tinyfs-baseline-\(UUID())"
        try FileManager.default.createDirectory(atPath: baseline, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: baseline) }
        let programs = ProgramComparison(work: mountpoint, baselineWork: baseline)
        // A tree of directories and files (TinyFS has no links or xattrs), copied, archived, searched, moved.
        try programs.expectSameOutput("""
            for d in a b c/d c/e; do mkdir -p src/$d; for i in $(seq 20); do seq $i 500 > src/$d/f$i; done; done
            cp -r src copy && diff -r src copy && tar -cf archive.tar --sort=name --mtime=@0 --owner=0 --group=0 src
            mkdir untarred && tar -xf archive.tar -C untarred && diff -r src untarred/src
            grep -rl 499 copy | sort | head -5; grep -rc 123 src/c | sort | tail -3
            mv copy/a moved && mv moved/f3 moved/g3 && rm -r copy/b && find . -type f | sort | md5sum
            truncate -s 100 src/a/f1 && wc -c src/a/f1 && : > src/a/f2 && wc -c src/a/f2
            """)
        try programs.expectSameTree(options: .init(extendedAttributes: false))  // TinyFS keeps none
        try programs.expectSameOutput("rm -r src untarred moved copy archive.tar && ls -A | wc -l")
    }
}
