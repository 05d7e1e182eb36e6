#if canImport(Glibc)
import Glibc
#endif
import BentoKit
// What every fuzz target shares: the libFuzzer entry point's shape and a replay mode.
//
// A fuzz target is an executable whose `Target.run(_ bytes:)` must never trap, whatever the bytes. Built for
// fuzzing (`fuzz/run`: -sanitize=fuzzer,address and -DFUZZING) libFuzzer provides `main` and calls the target's
// `LLVMFuzzerTestOneInput`, which hands the input to `run`; built normally (`swift build`), the same executable
// replays the files named on its command line through `run` — how a crash libFuzzer saved is reproduced without
// the sanitizers, and how CI keeps the targets compiling.

/// A fuzz target: bytes in, no trap out.
public protocol FuzzTarget {
    /// Feeds one input to the code under test.
    static func run(_ bytes: [UInt8])
}

extension FuzzTarget {
    /// Feeds libFuzzer's input (`LLVMFuzzerTestOneInput`'s arguments) to `run`; always 0, as libFuzzer asks.
    public static func fuzz(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
        run(data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? [])
        return 0
    }

    /// Replays every file named in `arguments` (a libFuzzer corpus or crash file) and says how many ran.
    public static func replay(_ arguments: [String]) {
        var count = 0
        for path in arguments {
            guard let contents = readFile(path) else {
                print("cannot read \(path)")
                continue
            }
            run(contents)
            count += 1
        }
        print("replayed \(count) input\(count == 1 ? "" : "s") without a trap")
    }
}

/// The replay program of a target built without libFuzzer: `@main enum Replay: ReplayMain { typealias Target = X }`.
public protocol ReplayMain {
    /// The target whose inputs it replays.
    associatedtype Target: FuzzTarget
}

extension ReplayMain {
    /// Replays the files named on the command line.
    public static func main() { Target.replay(Array(CommandLine.arguments.dropFirst())) }
}

/// Opens and lists directory `inode` of `fileSystem` (up to 64 entries), ignoring every error.
public func list(_ inode: Inode, of fileSystem: any FileSystem) {
    guard let directory = try? fileSystem.opendir(.root, inode: inode, flags: []) else { return }
    var listing = DirectoryListing(capacity: 64, isPlus: false) { _, _ in 1 }
    try? fileSystem.readdir(.root, inode: inode, handle: directory.handle, offset: 0, into: &listing)
    try? fileSystem.releasedir(.root, inode: inode, handle: directory.handle)
}

/// The whole of the file at `path`, nil if it cannot be read.
func readFile(_ path: String) -> [UInt8]? {
    guard let handle = fopen(path, "rb") else { return nil }
    defer { fclose(handle) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let read = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
        if read == 0 { break }
        bytes += chunk[..<read]
    }
    return bytes
}
