import BentoTesting
import Foundation
import Testing

/// The harness checks itself without FUSE: tmpfs and a plain /tmp directory must look the same after the same
/// workload, and every kind of difference the suite cares about must make a comparison fail.
@Suite("Harness self-checks")
struct HarnessTests {
    @Test func copyOfTheSourceTreeLooksTheSameOnTmpfsAndAPlainDirectory() throws {
        try Workloads.ensureSourceTree()
        let sides = try SideBySide(.plainDirectory, label: "harness-copy")
        try sides.expectSameOutput(#"cp -a "$SRC" copy && find copy -type f | wc -l"#)
        try sides.expectSameTree("copy", options: .init(modificationTimes: true))
    }

    @Test func theSourceTreeHasWhatTheCopyTestsNeed() throws {
        try Workloads.ensureSourceTree()
        let manifest = try TreeManifest(of: Workloads.sourceTreePath)
        let files = manifest.lines.filter { $0.contains("\ttype=f ") }
        #expect(files.count >= 2_000)
        #expect(manifest.lines.contains { $0.hasPrefix("big.bin\t") && $0.contains(" size=209715200 ") })
        #expect(manifest.lines.contains { $0.hasPrefix("sparse.img\t") && $0.contains(" size=1073741824 ") })
        #expect(manifest.lines.contains { $0.contains("\ttype=l ") })
        #expect(manifest.lines.contains { $0.contains(" links=3 ") && $0.contains("\ttype=f ") })
        #expect(manifest.lines.contains { $0.contains("xattrs{user.binary=0x00ff10207f user.comment=") })
    }

    /// One change the manifest must notice, as a script run on one of two identical copies.
    struct Mutation: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var script: String
        var options = TreeManifest.Options()
    }

    static let mutations: [Mutation] = [
        Mutation(testDescription: "one byte of content", script: "printf X | dd of=d00/file5.txt bs=1 seek=3 conv=notrunc status=none"),
        Mutation(testDescription: "permission bits", script: "chmod 640 d00/file5.txt"),
        Mutation(testDescription: "owner", script: "chown 7:7 d00/file5.txt"),
        Mutation(testDescription: "size", script: "truncate -s +1 d00/file5.txt"),
        Mutation(testDescription: "symlink target", script: "ln -sfn file6.txt d00/link-to-file"),
        Mutation(testDescription: "an xattr value", script: "setfattr -n user.comment -v 'hello World' d13/file13.txt"),
        Mutation(testDescription: "a new xattr on a directory", script: "setfattr -n user.new -v 1 d00/nested"),
        Mutation(testDescription: "a hard link", script: "ln d00/file7.txt d00/file7-again"),
        Mutation(testDescription: "a missing file", script: "rm d00/file8.txt"),
        Mutation(testDescription: "a file turned into a directory", script: "rm d00/file9.txt && mkdir d00/file9.txt"),
        Mutation(testDescription: "a modification time", script: "touch -d '2001-01-01 00:00:00.5' d00/file5.txt",
                 options: .init(modificationTimes: true)),
    ]

    @Test(arguments: mutations)
    func manifestComparisonNotices(_ mutation: Mutation) throws {
        try Workloads.ensureSourceTree()
        let scratch = try ScratchDirectory("harness-mutation")
        try Shell.check(#"""
            for copy in a b; do mkdir "$copy"; cp -a "$SRC"/d00 "$SRC"/d13 "$copy"/; done
            cd b
            \#(mutation.script)
            """#, in: scratch.path, environment: ["SRC": Workloads.sourceTreePath])
        let original = try TreeManifest(of: "\(scratch.path)/a", options: mutation.options)
        let mutated = try TreeManifest(of: "\(scratch.path)/b", options: mutation.options)
        let differences = try #require(mutated.differences(from: original))
        #expect(differences.contains("\n- ") || differences.contains("\n+ "), "\(differences)")
    }

    @Test func identicalCopiesCompareEqual() throws {
        try Workloads.ensureSourceTree()
        let scratch = try ScratchDirectory("harness-equal")
        try Shell.check(#"""
            for copy in a b; do mkdir "$copy"; cp -a "$SRC"/d00 "$SRC"/d13 "$copy"/; touch -d 2020-01-01 "$copy"; done
            """#,
                        in: scratch.path, environment: ["SRC": Workloads.sourceTreePath])
        let options = TreeManifest.Options(modificationTimes: true)
        let a = try TreeManifest(of: "\(scratch.path)/a", options: options)
        let b = try TreeManifest(of: "\(scratch.path)/b", options: options)
        #expect(a.differences(from: b) == nil)
        #expect(a.lines.count == 1 + 56 + 54)  // ".", d00 (with two symlinks), d13
    }
}
