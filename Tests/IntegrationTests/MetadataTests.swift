import BentoTesting
import Foundation
import Testing

/// Metadata and single-file operations on a live mount vs tmpfs.
@Suite("Metadata operations on a mount vs tmpfs", .enabled(if: TestEnvironment.runsMountTests), .serialized)
struct MetadataTests {
    @Test(arguments: FileSystemKind.allCases)
    func chmodChownAndTouchDates(_ kind: FileSystemKind) throws {
        let sides = try SideBySide(kind, label: "chmod")
        try sides.expectSameOutput(#"""
            mkdir -p t/dir t/sticky t/setgid && cd t
            for mode in 0 1 4 7 44 400 600 640 644 700 755 777 1755 2755 4755 6711 7777; do
              echo "$mode" > "f$mode" && chmod "$mode" "f$mode"
            done
            chmod 1777 sticky && chmod 2775 setgid && chmod u=rwx,g=rx,o= dir
            chmod u-w,g+w,o+x f644 && chmod a-x f755 && chmod -R go-rwx dir
            ln -s f644 link
            chown 1000:2000 f600 && chown :3000 f640 && chown 4000 f700 && chown -h 5:6 link
            chown -R 7:8 dir && chown 9:9 setgid && echo inherits > setgid/child
            stat -c '%n %a %u:%g' * setgid/child | sort
            i=0
            find . | sort | while read -r path; do
              i=$((i + 1))
              touch -h -d "@$((1000000000 + i * 86399 % 900000 * 37)).$(printf '%09d' $((i * 123456789 % 1000000000)))" "$path"
            done
            touch -d '2001-02-03 04:05:06.123456789' f0
            touch -m -d '1970-01-01 00:00:01' f1
            touch -d '2038-01-19 03:14:08' f4
            touch -h -d '1999-12-31 23:59:59.999999999' link
            stat -c '%n %Y %y' * | sort
            """#)
        try sides.expectSameTree("t", options: .init(modificationTimes: true))
    }

    @Test(arguments: FileSystemKind.allCases)
    func symlinksAndReadlink(_ kind: FileSystemKind) throws {
        let sides = try SideBySide(kind, label: "symlink")
        try sides.expectSameOutput(#"""
            mkdir dir && echo content > dir/file
            ln -s dir/file relative && ln -s /etc/hostname absolute && ln -s ../../../up dotdot
            ln -s missing dangling && ln -s dir dirlink && ln -s relative chain
            ln -s "$(printf 'y%.0s' {1..1000})" long && ln -s "$(printf 'z%.0s' {1..4095})" longest
            ln -s "target with spaces" spaced
            readlink relative absolute dotdot dangling dirlink chain spaced
            readlink long | wc -c && readlink longest | wc -c
            readlink -f chain | sed "s|$WORK|WORK|"
            readlink -e dangling || echo "dangling: $?"
            cat chain dirlink/file
            ln -sf dir/other relative && readlink relative
            ln -sfn dir chain && readlink chain
            stat -c '%n %F %s' relative dangling long longest dirlink | sort
            [ -L dirlink ] && [ -d dirlink ] && [ ! -e dangling ] && echo types-ok
            ln -s "$(printf 'w%.0s' {1..4096})" too-long 2>&1 | sed 's/w*//' || echo "too long: $?"
            """#)
        try sides.expectSameTree()
    }

    @Test(arguments: FileSystemKind.allCases)
    func userExtendedAttributes(_ kind: FileSystemKind) throws {
        let sides = try SideBySide(kind, label: "xattr")
        try sides.expectSameOutput(#"""
            echo data > f && mkdir d && ln -s f l
            setfattr -n user.a -v hello f
            setfattr -n user.b -v 0x000102ff f
            setfattr -n user.empty f
            setfattr -n user.long -v "$(printf 'q%.0s' {1..3000})" f
            setfattr -n user.dir -v on-a-directory d
            for i in $(seq 1 40); do setfattr -n "user.many$i" -v "value $i" d; done
            setfattr -n user.a -v replaced f && setfattr -x user.b f
            getfattr -d -m '^user\.' -e hex f d
            getfattr -n user.a --only-values f; echo
            getfattr -n user.missing f 2>&1 || echo "missing: $?"
            setfattr -x user.missing f 2>&1 || echo "remove missing: $?"
            setfattr -n user.via-link -v followed l && getfattr -n user.via-link --only-values f; echo
            setfattr -h -n user.on-link -v x l 2>&1 || echo "user xattr on a symlink: $?"
            getfattr -h -d l 2>&1 || echo "list on symlink: $?"
            getfattr -d -m - f | grep -c '^user\.'
            cp -a f copied && getfattr -d copied
            mv f moved && getfattr -n user.a moved
            """#)
        try sides.expectSameTree()
    }

    @Test(arguments: FileSystemKind.allCases)
    func truncateGrowsAndShrinks(_ kind: FileSystemKind) throws {
        let sides = try SideBySide(kind, label: "truncate")
        try sides.expectSameOutput(#"""
            printf 'hello world' > a && truncate -s 5 a && cat a; echo
            truncate -s 100 a && od -An -c a | tail -n 2
            truncate -s 0 a && printf x >> a && cat a; echo
            seq 1 50000 > b && truncate -s 12345 b && tail -c 20 b; echo
            truncate -s 200000 b && truncate -s -100000 b && tail -c 10 b | od -An -c
            truncate -s 10M c && truncate -s +1M c && truncate -s -512K c && truncate -s %4096 c
            truncate -s 5G huge && printf end >> huge && tail -c 3 huge; echo
            truncate -s 4G huge && tail -c 8 huge | od -An -tx1 && stat -c '%n %s' huge
            truncate -s 1M huge  # past 4 GiB and back; the manifest then hashes only 1 MiB
            : > e && truncate -c -s 10 missing && truncate -s 7 e
            truncate -s 1 readonly && chmod 444 readonly && truncate -s 4 readonly
            stat -c '%n %s' a b c e huge readonly | sort
            sha256sum a b c e readonly
            """#)
        try sides.expectSameTree()
    }

    @Test(arguments: FileSystemKind.allCases)
    func fallocateAndPunchHole(_ kind: FileSystemKind) throws {
        let sides = try SideBySide(kind, label: "fallocate")
        try sides.expectSameOutput(#"""
            fallocate -l 8M f && stat -c '%n %s' f
            fallocate -o 1M -l 1M g && stat -c '%n %s' g
            fallocate -n -o 10M -l 1M f && stat -c '%n %s' f
            seq 1 300000 > h && fallocate --punch-hole -o 4096 -l 65536 h && stat -c '%n %s' h
            fallocate --punch-hole -o 1000 -l 3000 h && fallocate -p -o 1900000 -l 10M h && stat -c '%n %s' h
            dd if=h bs=4096 skip=1 count=16 status=none | tr -d '\0' | wc -c
            sha256sum f g h
            """#)
        try sides.expectSameTree()
        // Allocated blocks are compared loosely: what fallocate reserved is allocated, a hole does not grow a file.
        let blocks = try sides.runHere(#"""
            fallocate -l 8M p && before=$(stat -c %b p)
            fallocate --punch-hole -o 1M -l 4M p && after=$(stat -c %b p)
            echo "$before $after"
            """#)
        let counts = blocks.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(blocks.status == 0 && counts.count == 2, "\(blocks)")
        #expect(counts[0] * 512 >= 8 << 20, "fallocate -l 8M allocated only \(counts[0]) 512-byte blocks")
        #expect(counts[1] <= counts[0], "punching a hole grew the allocation: \(counts[0]) → \(counts[1]) blocks")
    }

    @Test(arguments: FileSystemKind.allCases)
    func dfReportsTheMount(_ kind: FileSystemKind) throws {
        let sides = try SideBySide(kind, label: "df")
        let mountPoint = try #require(sides.mount?.mountPoint)
        let df = try Shell.check("df -P -T \(Shell.quote(mountPoint)) && stat -f -c '%T %b %a %f %S %l' \(Shell.quote(mountPoint))", timeLimit: 30)
        let lines = df.stdout.split(separator: "\n")
        try #require(lines.count == 3, "\(df)")
        let fields = lines[1].split(separator: " ")
        #expect(fields.last.map(String.init) == mountPoint, "\(df)")
        #expect(fields.count == 7 && fields[1].hasPrefix("fuse"), "df -T type: \(df)")
        #expect(fields.count == 7 && Int(fields[2]).map { $0 > 0 } == true, "df total blocks: \(df)")
        let statfs = lines[2].split(separator: " ")
        #expect(statfs.count == 6 && statfs[5] == "255", "stat -f name length: \(df)")
        // df on the work directory inside the mount reports the mount too.
        let inside = try sides.runHere("df -P . | tail -n 1 | awk '{print $NF}'")
        #expect(inside.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == mountPoint)
    }
}
