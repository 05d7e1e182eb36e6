import BentoTesting
import Foundation
import Testing

// What the kernel may cache must never be stale where it matters: a passthrough mount with `cache=auto` (the
// default) sees changes made directly in its source directory once the one-second timeouts pass, and the
// sole-writer file systems (memfs, xv6fs), cached forever, see their own changes at once (the real-program
// suites cover those; here, a name looked up while missing and then created).
@Suite(.enabled(if: TestEnvironment.runsMountTests), .serialized)
struct CachePolicyTests {
    @Test func passthroughSeesChangesMadeInItsSourceWithinTheTimeout() throws {
        let scratch = try ScratchDirectory("cache-auto")
        let mount = try BentoMount(.passthrough, in: scratch)
        let (mnt, source) = (mount.mountPoint, mount.source)
        try Shell.check("echo one > \(mnt)/file && cat \(mnt)/file && ls \(mnt)/later || true")
        #expect(try Shell.check("cat \(mnt)/file").stdout == "one\n")
        // Behind the mount's back: new contents (and mtime), and a name the kernel was told is missing.
        try Shell.check("sleep 0.05; echo second > \(source)/file && echo here > \(source)/later")
        Thread.sleep(forTimeInterval: 1.2)
        #expect(try Shell.check("cat \(mnt)/file").stdout == "second\n")
        #expect(try Shell.check("cat \(mnt)/later").stdout == "here\n")
        try mount.unmount()
    }

    @Test(arguments: [FileSystemKind.memfs, .xv6fs])
    func aNameLookedUpWhileMissingAppearsWhenCreated(_ kind: FileSystemKind) throws {
        let scratch = try ScratchDirectory("cache-negative")
        let mount = try BentoMount(kind, in: scratch)
        let mnt = mount.mountPoint
        #expect(try Shell.run("ls \(mnt)/name").status != 0)
        try Shell.check("echo made > \(mnt)/name && mkdir \(mnt)/dir && ls \(mnt)/dir && touch \(mnt)/dir/inner")
        #expect(try Shell.check("cat \(mnt)/name; ls \(mnt)/dir").stdout == "made\ninner\n")
        try Shell.check("rm \(mnt)/dir/inner")
        #expect(try Shell.check("ls \(mnt)/dir | wc -l").stdout.trimmingCharacters(in: .whitespaces) == "0\n")
        try mount.unmount()
    }

    /// No Bento file system has anything to do at close, so each answers FLUSH with ENOSYS and the kernel stops
    /// sending it: one FLUSH for the whole mount, not one per close (each would be a round trip the closing program
    /// waits for).
    @Test(arguments: FileSystemKind.allCases)
    func closingFilesSendsFlushOnce(_ kind: FileSystemKind) throws {
        let scratch = try ScratchDirectory("flush-once")
        let mount = try BentoMount(kind, in: scratch)
        try Shell.check("seq 1 200 | sed 's/^/f/' | xargs touch && for f in f1 f2 f3; do echo x > $f; cat $f; done",
                        in: mount.mountPoint)
        let counters = try mount.counters()
        #expect(counters["create"] == 200 && counters["flush"] == 1, "\(counters)")
        try mount.unmount()
    }
}
