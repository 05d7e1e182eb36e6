import BentoTesting
import Foundation
import Testing

/// xv6fs's memory budget (`-o cache_size=`) on a real mount: with a budget holding far fewer inodes than the
/// workload touches, real programs still see every file as written, `bento stats` shows the inodes evicted and
/// the table within its capacity, and the image is fsck-clean; a budget too small for the journal, a value that
/// is not a size or a data mode, or an option xv6fs does not take, is refused before anything is mounted.
@Suite("xv6fs memory budget", .enabled(if: TestEnvironment.runsMountTests), .serialized)
struct XV6FSMemoryTests {
    @Test func aSmallBudgetEvictsInodesAndLosesNothing() throws {
        let scratch = try ScratchDirectory("xv6-memory")
        // An 8 MiB journal lets a 20 MiB budget through: 3,200 blocks, 2,560 inodes.
        let mount = try BentoMount(.xv6fs, in: scratch, options: ["cache_size=20M"], mkfsArguments: ["--journal-size", "8"])
        let work = try Shell.run("""
            for d in $(seq 1 8); do mkdir d$d; (cd d$d && seq 1 1000 | sed 's/^/f/' | xargs touch && \
              for f in f1 f500 f1000; do echo "$d/$f" > $f; done); done
            sync; echo 3 > /proc/sys/vm/drop_caches
            find . -type f | wc -l
            cat d3/f500 d8/f1000
            """, in: mount.mountPoint, timeLimit: 300)
        #expect(work.status == 0 && work.stdout == "8000\n3/f500\n8/f1000\n", "\(work)")
        let counters = try mount.counters()
        #expect(counters["inodes_capacity"] == 2560 && counters["cache_blocks_capacity"] == 3200, "\(counters)")
        #expect((counters["inodes_evicted"] ?? 0) > 5000, "\(counters)")
        #expect((counters["inodes_cached"] ?? .max) <= 2560, "\(counters)")
        try mount.unmount()
    }

    @Test func aWrongBudgetOrDataModeIsRefusedBeforeMounting() throws {
        let scratch = try ScratchDirectory("xv6-budget")
        let image = try FileSystemKind.xv6fs.makeSource(in: scratch)
        let mountPoint = "\(scratch.path)/mnt"
        try Shell.check("mkdir -p \(Shell.quote(mountPoint))")
        for (option, message) in [("cache_size=lots", "cache_size: 'lots' is not a size (try 256M)"),
                                  ("cache_size=1M", "cache_size=1M is too small for this image: its journal alone can pin 128 MiB"),
                                  ("data=sometimes", "data=sometimes is not a data mode (journal or ordered)"),
                                  ("bogus=1", "-o bogus: not an option of xv6fs (its own: cache_size, data;"),
                                  ("cache=never", "-o cache: not an option of xv6fs")] {
            let refused = try Shell.run("""
                \(Shell.quote(TestEnvironment.bentoBinary)) mount -o \(option) \(Shell.quote(image)) \(Shell.quote(mountPoint))
                """, timeLimit: 30)
            #expect(refused.status != 0, "\(option): \(refused)")
            #expect(refused.stderr.contains(message), "\(option): \(refused)")
            #expect(MountTable.entry(at: mountPoint) == nil, "\(option): \(mountPoint) was mounted")
            if MountTable.entry(at: mountPoint) != nil { BentoMount.detach(mountPoint) }
        }
        FileSystemKind.xv6fs.checkSource(image)
    }
}
