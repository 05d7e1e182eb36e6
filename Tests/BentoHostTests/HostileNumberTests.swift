import BentoHost
import BentoKit
import FUSEWire
import Testing
import XV6FS

/// Every operation, through the dispatcher, with every boundary number a request can carry, on every file system:
/// each request gets a well-formed reply (any errno), the server keeps serving, and xv6fs's image stays clean.
/// A trap anywhere on the way ends this test process, which is how the test fails for the bug that took a mount
/// down (a directory read at a far offset). Where ext4 answers with a definite errno, the same errno is expected.
@Suite struct HostileNumberTests {
    @Test(arguments: HostileKind.allCases)
    func everyOperationAnswersBoundaryNumbersAndTheServerKeepsServing(_ kind: HostileKind) throws {
        let target = try HostileTarget(kind)
        let file = try target.require(.create, createIn("f"), "create f")
        let (node, handle) = (file.u64(at: 0), file.u64(at: 128))
        let data = [UInt8](repeating: 0x5A, count: Int(HostileTarget.fileSize))
        _ = try target.require(.write, node: node, writeIn(handle: handle, offset: 0, data), "write f")
        let directory = try target.require(.mkdir, u32(0o755) + u32(0) + cString("d"), "mkdir d").u64(at: 0)
        for index in 0..<40 {
            let entry = try target.require(.create, node: directory, createIn("entry-\(index)"), "create entry")
            target.send(.release, node: entry.u64(at: 0), releaseIn(entry.u64(at: 128)), "release entry")
        }
        let listing = try target.require(.opendir, node: directory, u32(0) + u32(0), "opendir d").u64(at: 0)

        sweepListings(target, directory: directory, handle: listing)
        sweepData(target, node: node, handle: handle)
        sweepAttributes(target, node: node, handle: handle)
        sweepNamespace(target, directory: directory)
        sweepHandlesAndNodes(target, node: node)

        #expect(target.problems.isEmpty, "\(target.problems.prefix(20))")
        try expectStillServing(target)
    }

    /// READDIR and READDIRPLUS at every cookie, with every size.
    private func sweepListings(_ target: HostileTarget, directory: UInt64, handle: UInt64) {
        for cookie in Extremes.u64 {
            for size in Extremes.u32 + [WireLayout.maximumTransfer, WireLayout.maximumTransfer + 1] {
                target.send(.readdir, node: directory, readIn(handle: handle, offset: cookie, size: size), "readdir @\(cookie) ×\(size)")
                let plus = target.send(.readdirplus, node: directory, readIn(handle: handle, offset: cookie, size: size),
                                       "readdirplus @\(cookie) ×\(size)")
                forgetListed(target, plus)
            }
        }
        // Past the end lists nothing, as on ext4 (passthrough's cookies are the host directory's own).
        guard target.kind != .passthrough else { return }
        for cookie: UInt64 in [1 << 32 + 1, 1 << 40, UInt64(Int64.max), .max] {
            target.expect(target.send(.readdir, node: directory, readIn(handle: handle, offset: cookie, size: 4096), "far readdir"),
                          nil, "readdir at \(cookie) lists nothing") { $0.body.isEmpty }
        }
    }

    /// Gives back the lookups a READDIRPLUS reply handed out, as the kernel would.
    private func forgetListed(_ target: HostileTarget, _ reply: ParsedReply?) {
        guard let reply, reply.error == 0 else { return }
        var offset = 0
        while offset + 152 <= reply.body.count {
            let node = reply.u64(at: offset)
            let nameLength = Int(reply.u32(at: offset + 128 + 16))
            if node != 0 { target.send(.forget, node: node, u64(1), "forget listed") }
            offset += (152 + nameLength + 7) / 8 * 8
        }
    }

    /// READ, LSEEK, COPY_FILE_RANGE, FALLOCATE, then WRITE at every offset (the far writes last: they leave huge
    /// sparse files that copies would otherwise walk).
    private func sweepData(_ target: HostileTarget, node: UInt64, handle: UInt64) {
        for offset in Extremes.u64 {
            for size in Extremes.u32 + [WireLayout.maximumTransfer] {
                target.send(.read, node: node, readIn(handle: handle, offset: offset, size: size), "read @\(offset) ×\(size)")
            }
            for whence: UInt32 in [0, 1, 2, 3, 4, 5, .max] {
                target.send(.lseek, node: node, u64(handle) + u64(offset) + u32(whence) + u32(0), "lseek @\(offset) whence \(whence)")
            }
        }
        let lengths: [UInt64] = [0, 1, 4097, 1 << 20, UInt64(Int64.max), .max]
        for offset in Extremes.u64 {
            for (from, to) in [(offset, offset), (0, offset), (offset, 0)] {
                for length in lengths + [1 << 32 + 1] {
                    target.send(.copyFileRange, node: node, u64(handle) + u64(from) + u64(node) + u64(handle) + u64(to)
                                + u64(length) + u64(0), "copy_file_range \(from) → \(to) ×\(length)")
                }
            }
            let modes: [(FallocateMode, [UInt64])] = [
                ([], lengths), (.keepSize, lengths), ([.keepSize, .punchHole], lengths + [1 << 32 + 1]),
                (.zeroRange, lengths), (.collapseRange, lengths), (.insertRange, lengths), (FallocateMode(rawValue: .max), lengths),
            ]
            for (mode, lengths) in modes {
                for length in lengths {
                    target.send(.fallocate, node: node, u64(handle) + u64(offset) + u64(length) + u32(mode.rawValue) + u32(0),
                                "fallocate @\(offset) ×\(length) mode \(mode.rawValue)")
                }
            }
        }
        for offset in Extremes.u64 {
            target.send(.write, node: node, writeIn(handle: handle, offset: offset, [1, 2, 3, 4, 5]), "write @\(offset)")
        }
        target.expect(target.send(.read, node: node, readIn(handle: handle, offset: 1 << 62 + 7, size: 4096), "read"),
                      nil, "read past the end reads nothing") { $0.body.isEmpty }
        target.expect(target.send(.write, node: node, writeIn(handle: handle, offset: UInt64(Int64.max) - 2, [1, 2, 3, 4, 5]), "write"),
                      .fileTooLarge, "a write ending past the largest file")
        target.expect(target.send(.write, node: node, writeIn(handle: handle, offset: 1 << 63, [1]), "write"),
                      .invalidArgument, "a write at a negative loff_t")
        target.expect(target.send(.fallocate, node: node, u64(handle) + u64(0) + u64(0) + u32(0) + u32(0), "fallocate"),
                      .invalidArgument, "fallocate of nothing")
        target.expect(target.send(.lseek, node: node, u64(handle) + u64(1 << 62 + 9) + u32(3) + u32(0), "lseek"),
                      .noSuchAddressOrDevice, "SEEK_DATA past the end")
    }

    /// SETATTR with every size, time, mode and owner; GETATTR with every handle; the extended-attribute sizes.
    private func sweepAttributes(_ target: HostileTarget, node: UInt64, handle: UInt64) {
        let (size, atime, mtime, fh, mode, uid, gid): (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
            (1 << 3, 1 << 4, 1 << 5, 1 << 6, 1 << 0, 1 << 1, 1 << 2)
        for value in Extremes.u64 {
            target.send(.setattr, node: node, setattrIn(valid: size, size: value), "truncate to \(value)")
            target.send(.setattr, node: node, setattrIn(valid: size | fh, handle: value, size: 1), "ftruncate handle \(value)")
            for nanoseconds: UInt32 in [0, 999_999_999, 1_000_000_000, .max] {
                target.send(.setattr, node: node, setattrIn(valid: atime | mtime, time: value, nanoseconds: nanoseconds),
                            "utimens \(value).\(nanoseconds)")
            }
            target.send(.getattr, node: node, u32(1) + u32(0) + u64(value), "fstat handle \(value)")
        }
        for value in Extremes.u32 {
            target.send(.setattr, node: node, setattrIn(valid: mode, mode: value), "chmod \(value)")
            target.send(.setattr, node: node, setattrIn(valid: uid | gid, owner: value), "chown \(value)")
            target.send(.getxattr, node: node, u32(value) + u32(0) + cString("user.k"), "getxattr ×\(value)")
            target.send(.listxattr, node: node, u32(value) + u32(0), "listxattr ×\(value)")
            target.send(.setxattr, node: node, u32(value) + u32(value) + cString("user.k") + [1, 2], "setxattr flags \(value)")
            target.send(.access, node: node, u32(value) + u32(0), "access \(value)")
        }
        target.send(.setattr, node: node, setattrIn(valid: mode, mode: 0o100644), "chmod back")
        target.expect(target.send(.setattr, node: node, setattrIn(valid: size, size: UInt64(Int64.max)), "truncate"),
                      .fileTooLarge, "a truncate past the largest file")
        target.expect(target.send(.setattr, node: node, setattrIn(valid: size, size: 1 << 63), "truncate"),
                      .invalidArgument, "a truncate to a negative size")
    }

    /// MKNOD, MKDIR, CREATE and OPEN with every mode and flag word; RENAME2 flags, LINK sources, lookups in nodes
    /// never handed out.
    private func sweepNamespace(_ target: HostileTarget, directory: UInt64) {
        for (index, value) in Extremes.u32.enumerated() {
            target.send(.mknod, node: directory, u32(value) + u32(value) + u32(0) + u32(0) + cString("n\(index)"), "mknod \(value)")
            target.send(.mkdir, node: directory, u32(value) + u32(value) + cString("m\(index)"), "mkdir \(value)")
            if let created = target.send(.create, node: directory, createIn("c\(index)", flags: value, mode: value, umask: value),
                                         "create \(value)"), created.error == 0 {
                target.send(.release, node: created.u64(at: 0), releaseIn(created.u64(at: 128)), "release created")
            }
            if let opened = target.send(.open, node: directory, u32(value) + u32(0), "open \(value)"), opened.error == 0 {
                target.send(.release, node: directory, releaseIn(opened.u64(at: 0)), "release opened")
            }
            target.send(.rename2, node: directory, u64(directory) + u32(value) + u32(0) + cString("entry-1") + cString("r\(index)"),
                        "rename2 flags \(value)")
        }
        for value in Extremes.u64 {
            target.send(.link, node: directory, u64(value) + cString("l\(value)"), "link from \(value)")
            target.send(.rename2, node: directory, u64(value) + u32(0) + u32(0) + cString("entry-2") + cString("x"), "rename2 to \(value)")
            target.send(.lookup, node: value, cString("f"), "lookup in \(value)")
            target.send(.getattr, node: value, u32(0) + u32(0) + u64(0), "getattr \(value)")
            target.send(.statfs, node: value, [], "statfs \(value)")
            target.send(.opendir, node: value, u32(0) + u32(0), "opendir \(value)")
        }
    }

    /// Handles never handed out (and the real ones) on every handle-taking call; FORGET and INTERRUPT with every
    /// count and id. Last, because releasing a real handle ends the sweep's use of it.
    private func sweepHandlesAndNodes(_ target: HostileTarget, node: UInt64) {
        for value in Extremes.u64 {
            target.send(.read, node: node, readIn(handle: value, offset: 0, size: 4096), "read handle \(value)")
            target.send(.write, node: node, writeIn(handle: value, offset: 0, [9]), "write handle \(value)")
            target.send(.flush, node: node, u64(value) + u64(0) + u64(value), "flush handle \(value)")
            target.send(.fsync, node: node, u64(value) + u32(1) + u32(0), "fsync handle \(value)")
            target.send(.readdir, node: 1, readIn(handle: value, offset: 0, size: 4096), "readdir handle \(value)")
            target.send(.fsyncdir, node: 1, u64(value) + u32(0) + u32(0), "fsyncdir handle \(value)")
            target.send(.interrupt, node: 0, u64(value), "interrupt \(value)")
            target.send(.forget, node: value, u64(value), "forget \(value) × \(value)")
            target.send(.batchForget, node: 0, u32(1) + u32(0) + u64(value) + u64(value), "batch forget \(value)")
        }
        for value in Extremes.u64 {
            target.send(.release, node: node, releaseIn(value), "release handle \(value)")
            target.send(.releasedir, node: 1, releaseIn(value), "releasedir handle \(value)")
        }
    }

    /// The server answers ordinary requests after the sweep; xv6fs unmounts to an image fsck finds consistent.
    private func expectStillServing(_ target: HostileTarget) throws {
        _ = try target.require(.getattr, u32(0) + u32(0) + u64(0), "getattr root after the sweep")
        let fresh = try target.require(.create, createIn("after"), "create after the sweep")
        let (node, handle) = (fresh.u64(at: 0), fresh.u64(at: 128))
        _ = try target.require(.write, node: node, writeIn(handle: handle, offset: 0, Array("still here".utf8)), "write after")
        let read = try target.require(.read, node: node, readIn(handle: handle, offset: 0, size: 64), "read after")
        #expect(read.body == Array("still here".utf8))
        let root = try target.require(.opendir, u32(0) + u32(0), "opendir root after").u64(at: 0)
        #expect(try target.require(.readdir, readIn(handle: root, offset: 0, size: 4096), "readdir root after").body.count > 0)
        _ = try target.require(.statfs, [], "statfs after")
        if let disk = target.disk {
            #expect(target.send(.destroy, [], "destroy")?.error == 0)
            let report = XV6FS.fsck(device: disk)
            #expect(report.isConsistent, "\(report)")
        }
    }
}
