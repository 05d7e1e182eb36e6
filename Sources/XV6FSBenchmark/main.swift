// What xv6fs itself costs per operation, in-process (no kernel, no FUSE), for bench/xv6fs-ops.sh, which puts the
// figures next to the same work on a mounted xv6fs.
//
//   XV6FSBenchmark IMAGE FILES [ordered|journal] [FILES-PER-DIRECTORY] [provfs]
//
// With `provfs`, xv6fs records provenance (`ProvenanceRecorder`, asking this machine's /proc about this process,
// whose pid the requests carry), so that the log's cost per operation shows beside plain xv6fs's.
// Formats IMAGE (a file, created or truncated to 4 GiB), mounts xv6fs on it, and makes, per file (1,000 to a
// directory unless FILES-PER-DIRECTORY says otherwise), the calls the
// kernel makes when `tar` (as root) extracts a file: LOOKUP (a miss), CREATE, WRITE (0–4 KiB), SETATTR for
// chown, chmod and utimensat, RELEASE; then, per file, LOOKUP and GETATTR (stat), OPEN, READ and RELEASE (cat),
// and UNLINK with FORGET (rm); last, one sync. Prints each operation's calls and mean µs, and each phase's µs per
// file. Not a test: it prints figures and asserts nothing.

import BentoKit
import BentoServices
import Foundation
import ProvFS
import XV6FS

/// Total time and calls per operation name, in the order first seen.
struct Timings {
    private(set) var names: [String] = []
    private var totals: [String: (calls: Int, nanoseconds: Int64)] = [:]
    private let clock = ContinuousClock()

    /// Runs `body`, charging its time to `name` (also when it throws: a lookup's miss is its answer).
    mutating func time<Result>(_ name: String, _ body: () throws -> Result) rethrows -> Result {
        let start = clock.now
        defer {
            let elapsed = clock.now - start
            let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            if totals[name] == nil { names.append(name) }
            totals[name, default: (0, 0)].calls += 1
            totals[name, default: (0, 0)].nanoseconds += nanoseconds
        }
        return try body()
    }

    /// Calls and mean µs of `name`.
    func summary(_ name: String) -> (calls: Int, microseconds: Double) {
        let total = totals[name] ?? (0, 0)
        return (total.calls, total.calls == 0 ? 0 : Double(total.nanoseconds) / Double(total.calls) / 1000)
    }
}

let arguments = CommandLine.arguments
guard arguments.count >= 3, let files = Int(arguments[2]), files > 0 else {
    FileHandle.standardError.write(Data("usage: XV6FSBenchmark IMAGE FILES [ordered|journal] [FILES-PER-DIRECTORY]\n".utf8))
    exit(2)
}
let mode: DataMode = arguments.count > 3 && arguments[3] == "journal" ? .journal : .ordered
let perDirectory = arguments.count > 4 ? max(Int(arguments[4]) ?? 1000, 1) : 1000
let provenance = arguments.count > 5 && arguments[5] == "provfs"
let device = try FileBlockDevice.create(path: arguments[1], size: 4 << 30)
try XV6FS.mkfs(device: device, options: MkfsOptions(dataMode: mode))
let fs = try XV6FS(device: device, options: XV6FS.Options(checksPermissions: false, commitInterval: nil,
                                                          operationLog: provenance ? ProvenanceRecorder() : nil))
let root = provenance ? Request(pid: UInt32(ProcessInfo.processInfo.processIdentifier)) : Request.root
let payload = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }
var timings = Timings()
var phases: [(name: String, microsecondsPerFile: Double)] = []
let clock = ContinuousClock()

/// Runs one phase over every file and records its µs per file.
@MainActor func phase(_ name: String, _ body: (Int, Inode, FileName) throws -> Void) throws {
    let start = clock.now
    for index in 0..<files {
        try body(index, directories[index / perDirectory], try FileName("f\(index)"))
    }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    phases.append((name, seconds * 1e6 / Double(files)))
}

let directories = try (0..<(files + perDirectory - 1) / perDirectory).map { index in
    try fs.mkdir(root, parent: .root, name: try FileName("d\(index)"), mode: FileMode(type: .directory, permissions: 0o755)).inode
}
try phase("untar (lookup miss, create, write, 3 setattr, release)") { index, directory, name in
    _ = try? timings.time("lookup (miss)") { try fs.lookup(root, parent: directory, name: name) }
    let created = try timings.time("create") {
        try fs.create(root, parent: directory, name: name, mode: FileMode(type: .regular, permissions: 0o600), flags: .writeOnly)
    }
    let (inode, handle) = (created.entry.inode, created.open.handle)
    let size = (index * 7919) % 4096
    _ = try timings.time("write") { try fs.write(root, inode: inode, handle: handle, offset: 0, data: Array(payload[..<size]), flags: []) }
    _ = try timings.time("setattr (chown)") {
        try fs.setattr(root, inode: inode, changes: AttributeChanges(uid: UserID(1000), gid: GroupID(1000), handle: handle))
    }
    _ = try timings.time("setattr (chmod)") {
        try fs.setattr(root, inode: inode, changes: AttributeChanges(mode: FileMode(type: .regular, permissions: 0o644), handle: handle))
    }
    _ = try timings.time("setattr (times)") {
        try fs.setattr(root, inode: inode, changes: AttributeChanges(
            accessTime: .time(Timestamp(seconds: 1_700_000_000, nanoseconds: 0)),
            modificationTime: .time(Timestamp(seconds: 1_700_000_000, nanoseconds: 0))))
    }
    try timings.time("release") { try fs.release(root, inode: inode, handle: handle, flags: .writeOnly) }
}
try phase("stat (lookup, getattr)") { _, directory, name in
    let entry = try timings.time("lookup (hit)") { try fs.lookup(root, parent: directory, name: name) }
    _ = try timings.time("getattr") { try fs.getattr(root, inode: entry.inode, handle: nil) }
}
try phase("cat (open, read, release)") { _, directory, name in
    let inode = try fs.lookup(root, parent: directory, name: name).inode
    let handle = try timings.time("open") { try fs.open(root, inode: inode, flags: []).handle }
    _ = try timings.time("read") { try fs.read(root, inode: inode, handle: handle, offset: 0, size: 131072) }
    try timings.time("release") { try fs.release(root, inode: inode, handle: handle, flags: []) }
}
try phase("rm (unlink, forget)") { _, directory, name in
    let inode = try fs.lookup(root, parent: directory, name: name).inode
    try timings.time("unlink") { try fs.unlink(root, parent: directory, name: name) }
    // The kernel's count: one from CREATE, one from each of the three lookups above.
    timings.time("forget") { fs.forget(inode, count: 4) }
}
let syncStart = clock.now
try fs.sync()
let sync = clock.now - syncStart
fs.destroy()

print("\(provenance ? "provfs" : "xv6fs") in-process, data=\(mode), \(files) files, \(perDirectory) per directory, on \(arguments[1])")
print("operation                  calls     µs/op")
for name in timings.names {
    let (calls, microseconds) = timings.summary(name)
    print(name.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: " %8d %9.2f", calls, microseconds))
}
print("phase                                                         µs/file")
for (name, microseconds) in phases {
    print(name.padding(toLength: 60, withPad: " ", startingAt: 0) + String(format: " %9.2f", microseconds))
}
print(String(format: "final sync: %.1f ms", Double(sync.components.attoseconds) / 1e15 + Double(sync.components.seconds) * 1000))
