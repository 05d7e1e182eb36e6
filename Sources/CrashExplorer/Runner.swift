import BentoKit
import InProcess

/// Runs a workload's setup, steps and persistence operations on one file system through the in-process driver,
/// the same way on the model and on the file system under test.
///
/// Sizes and offsets come from the file as the step finds it (`append` writes at the size `fstat` reports), and
/// the bytes written depend on the step's position and offset only, so both runs write the same bytes.
struct Runner {
    /// The mount being driven.
    let fs: InProcessFileSystem
    /// The file system underneath.
    let fileSystem: any FileSystem
    /// Its own `syncfs` (`FileSystemFactory.sync`); nil for the model, which has nothing to make durable.
    let syncFileSystem: (@Sendable (any FileSystem) throws -> Void)?

    /// Mounts `fileSystem` in-process.
    init(_ fileSystem: any FileSystem, sync: (@Sendable (any FileSystem) throws -> Void)?) throws(Errno) {
        fs = try InProcessFileSystem(fileSystem: fileSystem)
        self.fileSystem = fileSystem
        syncFileSystem = sync
    }

    /// A global sync: the driver's (fsync of what is open and of the root), then the file system's own.
    func sync() throws {
        try fs.sync()
        try syncFileSystem?(fileSystem)
    }

    /// Makes the setup's directories and files (16 KiB and the attribute `user.ace` each), then syncs.
    func setUp(_ workload: Workload) throws {
        for directory in workload.setupDirectories { try fs.mkdir("/" + directory, mode: 0o755) }
        for (index, file) in workload.setupFiles.enumerated() {
            let descriptor = try fs.open("/" + file, [.create, .readWrite, .exclusive], mode: 0o644)
            defer { try? fs.close(descriptor) }
            try fs.pwrite(descriptor, Self.bytes(0 ..< 16384, seed: UInt8(100 + index)), offset: 0)
            try fs.setxattr("/" + file, name: "user.ace", value: Array("setup".utf8))
        }
        try sync()
    }

    /// Runs step number `number` (1-based: it seeds the bytes written).
    func run(_ step: WorkloadStep, number: Int) throws(Errno) {
        let seed = UInt8(truncatingIfNeeded: number)
        switch step {
        case .creat(let path):
            try fs.close(try fs.open("/" + path, [.create, .writeOnly, .truncate], mode: 0o644))
        case .mkdir(let path):
            try fs.mkdir("/" + path, mode: 0o755)
        case .fallocate(let path, let choice, let placement):
            try withFile(path) { (descriptor, size) throws(Errno) in
                let range = try placement.range(size: size)
                try fs.fallocate(descriptor, mode: choice.mode, offset: Int64(range.lowerBound),
                                 length: Int64(range.upperBound - range.lowerBound))
            }
        case .write(let path, let placement):
            try withFile(path) { (descriptor, size) throws(Errno) in
                let range = try placement.range(size: size)
                try fs.pwrite(descriptor, Self.bytes(range, seed: seed), offset: Int64(range.lowerBound))
            }
        case .directWrite(let path, let placement):
            try withFile(path, flags: .direct) { (descriptor, size) throws(Errno) in
                let range = try placement.range(size: size)
                try fs.pwrite(descriptor, Self.bytes(range, seed: seed), offset: Int64(range.lowerBound))
            }
        case .mmapWrite(let path, let placement):
            try withFile(path) { (descriptor, size) throws(Errno) in
                let range = try placement.range(size: size)
                if range.upperBound > size { try fs.ftruncate(descriptor, size: Int64(range.upperBound)) }
                try fs.pwrite(descriptor, Self.bytes(range, seed: seed), offset: Int64(range.lowerBound))
                try fs.fdatasync(descriptor)
            }
        case .link(let existing, let new):
            try fs.link("/" + existing, "/" + new)
        case .symlink(let target, let path):
            try fs.symlink(target, "/" + path)
        case .unlink(let path):
            try fs.unlink("/" + path)
        case .remove(let path):
            if try fs.lstat("/" + path).mode.type == .directory { try fs.rmdir("/" + path) } else { try fs.unlink("/" + path) }
        case .rename(let from, let to, _):
            try fs.rename(from: "/" + from, to: "/" + to)
        case .setxattr(let path):
            try fs.setxattr("/" + path, name: "user.ace", value: Array("step \(number)".utf8))
        case .removexattr(let path):
            try fs.removexattr("/" + path, name: "user.ace")
        case .truncate(let path, let choice):
            try fs.truncate("/" + path, size: Int64(choice.size))
        }
    }

    /// Runs a persistence operation.
    func run(_ persistence: Persistence) throws {
        switch persistence {
        case .fsync(let path), .fdatasync(let path):
            let isDirectory = !FileSet.files.contains(path)
            let descriptor = try fs.open("/" + path, isDirectory ? [.directory] : [])
            defer { try? fs.close(descriptor) }
            if case .fsync = persistence { try fs.fsync(descriptor) } else { try fs.fdatasync(descriptor) }
        case .sync:
            try sync()
        case .none:
            break
        }
    }

    /// Opens `path` for reading and writing and calls `body` with the descriptor and the file's size (as the file
    /// system reports it: any number, which the step's range checks).
    private func withFile(_ path: String, flags: OpenFlags = [], _ body: (Int32, UInt64) throws(Errno) -> Void) throws(Errno) {
        let descriptor = try fs.open("/" + path, flags.union(.readWrite))
        defer { try? fs.close(descriptor) }
        try body(descriptor, try fs.fstat(descriptor).size)
    }

    /// The bytes a step writes over `range`: a pattern of the offset and the step, never all zeros.
    static func bytes(_ range: Range<UInt64>, seed: UInt8) -> [UInt8] {
        range.map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / 4096 &+ UInt64(seed) &* 7) | 1 }
    }
}

extension FallocateChoice {
    /// The mode bits.
    var mode: FallocateMode {
        switch self {
        case .allocate: []
        case .keepSize: .keepSize
        case .punchHole: [.punchHole, .keepSize]
        case .zeroRange: .zeroRange
        case .zeroRangeKeepSize: [.zeroRange, .keepSize]
        }
    }
}
