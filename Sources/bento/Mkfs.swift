import ArgumentParser
import BentoKit
import BentoServices
import Foundation
import XV6FS

/// `bento mkfs`: formats an image file (created if missing) or a block device as xv6fs.
struct Mkfs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an xv6fs image (the file is created if missing).",
        discussion: "Sizes take K, M, G or T suffixes (powers of 1024); a bare --journal-size is in MiB, as mke2fs's.")

    @Option(help: "Size of a new image (or to extend an existing one to), e.g. 256M, 4G.")
    var size: String?

    @Option(help: "Block size in bytes; xv6fs uses 4096.")
    var blockSize: Int = 4096

    @Option(help: "Journal size (default: 1/32 of the image, 4 MiB to 128 MiB).")
    var journalSize: String?

    @Option(help: "How file data is journaled by default: ordered or journal.")
    var data: String = "ordered"

    @Argument(help: "The image file or block device.")
    var image: String

    func validate() throws {
        guard blockSize == 4096 else { throw ValidationError("xv6fs supports only --block-size 4096") }
        guard ["ordered", "journal"].contains(data) else { throw ValidationError("--data must be ordered or journal") }
        if let size { _ = try Self.bytes(size, bareUnit: 1) }
        if let journalSize { _ = try Self.bytes(journalSize, bareUnit: 1 << 20) }
    }

    func run() throws {
        let exists = FileManager.default.fileExists(atPath: image)
        let device: FileBlockDevice
        do {
            if let size {
                device = try FileBlockDevice.create(path: image, size: try Self.bytes(size, bareUnit: 1))
            } else if exists {
                device = try FileBlockDevice.open(path: image)
            } else {
                device = try FileBlockDevice.create(path: image, size: 256 << 20)
            }
        } catch {
            throw Failure("\(image): \(error)")
        }
        if let holder = ImageLock.holder(of: image) { throw Failure("\(image) is mounted (\(holder)); unmount it first") }
        var options = MkfsOptions(dataMode: data == "journal" ? .journal : .ordered,
                                  rootOwner: UserID(getuid()), rootGroup: GroupID(getgid()))
        if let journalSize { options.journalBlocks = try Self.bytes(journalSize, bareUnit: 1 << 20) / 4096 }
        let showsProgress = device.blockCount * 4096 >= 1 << 30 && isatty(STDERR_FILENO) == 1
        do {
            try XV6FS.mkfs(device: device, options: options) { fraction in
                if showsProgress { Self.drawProgress(fraction) }
            }
        } catch {
            throw Failure("\(image): \(error)")
        }
        if showsProgress { FileHandle.standardError.write(Data("\n".utf8)) }
        print("\(image): xv6fs, \(device.blockCount) blocks of 4096 bytes, data=\(data)")
    }

    /// A `[=====     ]  50%` bar on standard error, redrawn in place.
    static func drawProgress(_ fraction: Double) {
        let width = 40, filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        FileHandle.standardError.write(Data("\rformatting [\(bar)] \(Int(fraction * 100))%".utf8))
    }

    /// Parses `256M`-style sizes; a bare number counts `bareUnit` bytes.
    static func bytes(_ text: String, bareUnit: UInt64) throws -> UInt64 {
        do { return try ByteSize.parse(text, bareUnit: bareUnit) } catch { throw ValidationError(error.description) }
    }
}
