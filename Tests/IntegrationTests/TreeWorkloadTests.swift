import BentoTesting
import Foundation
import Testing

/// Whole-tree workloads run on a live mount and on tmpfs: the resulting trees and outputs must match.
@Suite("Tree workloads on a mount vs tmpfs", .enabled(if: TestEnvironment.runsMountTests), .serialized)
struct TreeWorkloadTests {
    /// Modification times are part of these comparisons: cp -a and tar x set them all.
    static let withTimes = TreeManifest.Options(modificationTimes: true)

    @Test(arguments: FileSystemKind.allCases)
    func copyArchiveReproducesTheSourceTree(_ kind: FileSystemKind) throws {
        try Workloads.ensureSourceTree()
        let sides = try SideBySide(kind, label: "cp")
        try sides.expectSameOutput(#"cp -a "$SRC" copy"#)
        try sides.expectSameTree("copy", options: Self.withTimes)
        // A second copy from the mount to itself reads back every byte through the mount.
        try sides.expectSameOutput("cp -a copy copy2 && cmp copy/big.bin copy2/big.bin && cmp copy/sparse.img copy2/sparse.img")
        try sides.expectSameTree("copy2", options: Self.withTimes)
    }

    @Test(arguments: FileSystemKind.allCases)
    func tarExtractAndCreateRoundTrip(_ kind: FileSystemKind) throws {
        try Workloads.ensureSourceTree()
        let sides = try SideBySide(kind, label: "tar")
        // The big files are left to the cp test; --sort=name makes archives independent of readdir order.
        try sides.expectSameOutput(#"""
            tar -C "$SRC" --sort=name --exclude=./big.bin --exclude=./sparse.img -cf in.tar .
            mkdir x && tar -C x -xpf in.tar
            tar -C x --sort=name -cf out.tar .
            cmp in.tar out.tar
            mkdir y && tar -C y -xpf out.tar
            tar -tvf out.tar | wc -l
            sha256sum in.tar out.tar
            """#)
        try sides.expectSameTree("x", options: Self.withTimes)
        try sides.expectSameTree("y", options: Self.withTimes)
    }

    @Test(arguments: FileSystemKind.allCases)
    func recursiveGrepFindsTheSameLines(_ kind: FileSystemKind) throws {
        try Workloads.ensureSourceTree()
        let sides = try SideBySide(kind, label: "grep")
        let output = try sides.expectSameOutput(#"""
            mkdir tree && cp -a "$SRC"/d?? "$SRC"/dir\ with\ spaces tree/
            grep -rn needle tree | sort
            grep -rlZ lorem tree | sort -z | tr '\0' '\n' | tail -n 5
            grep -rc 'file 1999' tree | grep -v ':0$'
            grep -rL lorem --include='*.txt' tree | sort | head -n 5
            grep -rh -o 'ipsum [0-9]*9$' tree | sort | uniq -c | sort -k2 | tail -n 3
            grep -rq no-such-text tree || echo "no match: $?"
            """#)
        #expect(output.contains("a needle 1995 in the haystack"))
    }

    @Test(arguments: FileSystemKind.allCases)
    func moveAcrossDirectories(_ kind: FileSystemKind) throws {
        let sides = try SideBySide(kind, label: "mv")
        try sides.expectSameOutput(#"""
            mkdir -p a/sub/deep b c d e/occupied f && : > e/occupied/file
            for i in $(seq 1 40); do echo "file $i" > a/f$i; done
            echo deep > a/sub/deep/leaf; ln -s f1 a/l1; ln a/f2 a/h2; echo old > b/f4
            mv a/f1 b/                 # file into another directory
            mv a/f3 b/renamed          # and renamed
            mv a/f4 b/f4               # over an existing file
            mv a/sub c/                # a directory with contents
            mv a/l1 a/h2 c/            # a symlink and a hard link
            mv d e/                    # a directory into a directory
            mkdir e/empty-target && mv -T f e/empty-target  # over an empty directory
            mv -T a e/occupied 2>&1 || echo "refused: $?"    # not over a non-empty one
            mv c a/moved-c             # back under the first directory
            for i in $(seq 5 40); do mv a/f$i b/; done
            ls -A a b c 2>&1 | sort || true
            cat b/f4 b/renamed a/moved-c/sub/deep/leaf; readlink a/moved-c/l1
            stat -c '%n %h' a/moved-c/h2 b/f2 2>&1 || true
            """#)
        try sides.expectSameTree()
    }

    @Test(arguments: FileSystemKind.allCases)
    func gitRepositoryLifecycleAndLocalClone(_ kind: FileSystemKind) throws {
        try Workloads.ensureSourceTree()
        let sides = try SideBySide(kind, label: "git", environment: Workloads.gitEnvironment)
        try sides.expectSameOutput(#"""
            git init -q -b main repo && cd repo
            cp -a "$SRC"/d0? . && chmod -R u+r .
            git add -A && git commit -q -m "first: ten directories"
            echo change >> d00/file0.txt && git mv d01 moved && git rm -q d02/file2.txt
            ln -s moved/file1.txt link && chmod +x d03/file3.txt
            git add -A && git commit -q -m "second: edit, move, remove, link, chmod"
            git checkout -q -b side HEAD~1 && echo side > side.txt && git add side.txt && git commit -q -m side
            git checkout -q main && git merge -q --no-edit side
            git log --format='%H %T %an %ad %s' --date=iso
            git log --stat --format=%s | tail -n 20
            git status --porcelain
            git fsck --no-progress 2>&1
            git checkout -q HEAD~2 && git status --porcelain && ls | head -n 3
            git checkout -q main
            cd .. && git clone -q repo clone && cd clone
            git log --format='%H %T %s'
            git checkout -q -b old HEAD~1 && git log -1 --format=%H
            """#)
        let options = TreeManifest.Options(excludedNames: [".git"])
        try sides.expectSameTree("repo", options: options)
        try sides.expectSameTree("clone", options: options)
    }
}
