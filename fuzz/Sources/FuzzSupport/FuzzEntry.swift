#if canImport(Glibc)
import Glibc
#endif
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
