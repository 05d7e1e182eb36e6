import BentoTesting
import Foundation
import Testing

// `-o metrics=PORT`: a mounted file system's daemon answers Prometheus scrapes on 127.0.0.1:PORT, with counters
// that follow the requests real programs cause; a port already taken fails the mount before anything is mounted.

@Suite(.enabled(if: TestEnvironment.runsMountTests), .serialized)
struct MetricsTests {
    /// A port nobody listens on now (the kernel's pick, released).
    private func freePort() throws -> Int {
        let text = try Shell.check("""
            python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
            """).stdout
        return try #require(Int(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// What `GET path` answers on 127.0.0.1:`port` (status line, headers and body), through bash's /dev/tcp.
    private func get(_ path: String, port: Int) throws -> String {
        try Shell.check("""
            exec 3<>/dev/tcp/127.0.0.1/\(port); printf 'GET \(path) HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n' >&3; cat <&3
            """, timeLimit: 20).stdout
    }

    /// The value of the sample `name{labels}` in a scrape, if present.
    private func sample(_ scrape: String, _ prefix: String) -> Double? {
        scrape.split(separator: "\n").first { $0.hasPrefix(prefix) }
            .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }

    @Test(arguments: [FileSystemKind.memfs, .xv6fs])
    func scrapesFollowTheRequests(_ kind: FileSystemKind) throws {
        let scratch = try ScratchDirectory("metrics-\(kind.rawValue)")
        let port = try freePort()
        let mount = try BentoMount(kind, in: scratch, options: ["metrics=\(port)"])
        let mnt = Shell.quote(mount.mountPoint)
        try Shell.check("for i in $(seq 10); do mkdir \(mnt)/d$i; done")
        let first = try get("/metrics", port: port)
        #expect(first.hasPrefix("HTTP/1.1 200 OK") && first.contains("Content-Type: text/plain; version=0.0.4"))
        let mkdirs = "bento_requests_total{mountpoint=\"\(mount.mountPoint)\",op=\"MKDIR\"}"
        #expect(sample(first, mkdirs) == 10, "\(first)")
        #expect(first.contains("bento_mount_info{mountpoint=\"\(mount.mountPoint)\",type=\"\(kind.rawValue)\""))
        #expect((sample(first, "bento_request_duration_seconds{mountpoint=\"\(mount.mountPoint)\",op=\"MKDIR\",quantile=\"0.5\"}") ?? 0) > 0)
        try Shell.check("for i in $(seq 5); do mkdir \(mnt)/e$i; done")
        #expect(sample(try get("/metrics", port: port), mkdirs) == 15, "a counter keeps counting across scrapes")
        if kind.usesImage { #expect(try get("/metrics", port: port).contains("bento_fs_cache_blocks{")) }
        #expect(try get("/", port: port).hasPrefix("HTTP/1.1 404"))

        let taken = try Shell.run("""
            \(Shell.quote(TestEnvironment.bentoBinary)) mount --fs memfs -o metrics=\(port) other \(Shell.quote(scratch.path))
            """, timeLimit: 30)
        #expect(taken.status != 0 && taken.stderr.contains("cannot serve metrics on 127.0.0.1:\(port)"), "\(taken)")
        #expect(MountTable.entry(at: scratch.path) == nil, "nothing mounted")
        try mount.unmount()
    }
}
