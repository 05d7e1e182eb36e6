import BentoTesting
import Foundation
import Testing

// `bento trace` on a live mount: the requests real programs cause come out as they are served, filtered by
// operation and process, with names, results and latencies; several tracers watch one mount at once, and the
// command ends when asked to (`--count`) or when the mount does.

@Suite(.enabled(if: TestEnvironment.runsMountTests), .serialized)
struct TraceCommandTests {
    @Test(arguments: [FileSystemKind.memfs, .xv6fs])
    func traceShowsTheRequestsProgramsCause(_ kind: FileSystemKind) throws {
        let scratch = try ScratchDirectory("trace-\(kind.rawValue)")
        let mount = try BentoMount(kind, in: scratch)
        let bento = Shell.quote(TestEnvironment.bentoBinary), mnt = Shell.quote(mount.mountPoint)
        let json = Shell.quote("\(scratch.path)/rmdir.json"), text = Shell.quote("\(scratch.path)/mkdir.txt")
        // Each tracer stops after its --count; the loop makes requests until both have (a tracer subscribes
        // a moment after it starts, so the first requests may come before it watches).
        let output = try Shell.check("""
            mkdir \(mnt)/full; touch \(mnt)/full/x
            \(bento) trace \(mnt) --json --op RMDIR --count 2 > \(json) & rmdirs=$!
            \(bento) trace \(mnt) --op mkdir --count 3 > \(text) & mkdirs=$!
            for i in $(seq 200); do
              rmdir \(mnt)/full 2>/dev/null || true
              mkdir \(mnt)/d$i
              if ! kill -0 $rmdirs 2>/dev/null && ! kill -0 $mkdirs 2>/dev/null; then break; fi
              sleep 0.05
            done
            wait $rmdirs $mkdirs; cat \(json); echo ---; cat \(text)
            """, timeLimit: 60).stdout
        let parts = output.components(separatedBy: "---\n")
        #expect(parts.count == 2)
        let events = (parts.first ?? "").split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        #expect(events.count == 2, "two RMDIR events as JSON: \(output)")
        for event in events {
            #expect(event["op"] as? String == "RMDIR" && event["name"] as? String == "full")
            #expect(event["errno"] as? Int == 39, "ENOTEMPTY, as the file system answered")
            #expect((event["latency"] as? Int ?? 0) > 0 && (event["pid"] as? Int ?? 0) > 0)
        }
        let lines = (parts.last ?? "").split(separator: "\n")
        #expect(lines.count == 3 && lines.allSatisfy { $0.contains(" MKDIR node 1 \"d") && $0.contains("= ok in ") },
                "three MKDIR lines: \(output)")
        try mount.unmount()
    }

    @Test func aTraceEndsWithTheMountAndAStrangerPidShowsNothing() throws {
        let scratch = try ScratchDirectory("trace-end")
        let mount = try BentoMount(.memfs, in: scratch)
        let bento = Shell.quote(TestEnvironment.bentoBinary), mnt = Shell.quote(mount.mountPoint)
        let output = try Shell.check("""
            \(bento) trace \(mnt) --pid 1 > \(Shell.quote(scratch.path))/out & tracer=$!
            sleep 0.5; for i in 1 2 3; do mkdir \(mnt)/d$i; done
            umount \(mnt); status=0; wait $tracer || status=$?; echo "status $status"
            cat \(Shell.quote(scratch.path))/out
            """, timeLimit: 60).stdout
        #expect(output == "status 0\n", "no request came from pid 1, and the tracer ended with the mount: \(output)")
        #expect(MountTable.wait(upTo: 10) { !mount.isMounted })
    }
}
