import Foundation
import Testing

/// Several processes writing at once on a live mount vs tmpfs.
@Suite("Concurrent writers on a mount vs tmpfs", .enabled(if: TestEnvironment.runsMountTests), .serialized)
struct ConcurrencyTests {
    @Test(arguments: FileSystemKind.allCases)
    func eightWritersOnDifferentFiles(_ kind: FileSystemKind) throws {
        let sides = try SideBySide(kind, label: "writers")
        // Each writer: a 16 MiB seeded stream with dd in odd block sizes, 300 small appends to its own log,
        // and 100 files created in a directory shared by all writers.
        try sides.expectSameOutput(#"""
            mkdir shared
            for w in 1 2 3 4 5 6 7 8; do
              (
                iv=$(printf '%032x' "$w")
                { openssl enc -aes-128-ctr -nosalt -K 00112233445566778899aabbccddeeff -iv "$iv" -in /dev/zero 2>/dev/null || true; } \
                  | head -c 16M | dd of="stream$w" bs=$((w * 4096 + 512)) iflag=fullblock status=none
                dd if="stream$w" of="copy$w" bs=1M conv=fsync status=none
                for i in $(seq 1 300); do printf 'writer %d line %d\n' "$w" "$i" >> "log$w"; done
                for i in $(seq 1 100); do echo "$w-$i" > "shared/w$w-$i"; done
              ) &
            done
            wait
            sha256sum stream* copy* log* | sort -k2
            ls shared | wc -l
            cat shared/* | sort | sha256sum
            """#)
        try sides.expectSameTree()
    }
}
