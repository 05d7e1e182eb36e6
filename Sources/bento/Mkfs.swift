import ArgumentParser
import BentoKit
import BentoServices
import BentoSystem
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

    @Flag(help: "Show no progress (it shows only on a terminal anyway).")
    var quiet = false

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
                                  rootOwner: UserID(HostProcess.userID), rootGroup: GroupID(HostProcess.groupID))
        if let journalSize { options.journalBlocks = try Self.bytes(journalSize, bareUnit: 1 << 20) / 4096 }
        let progress = ProgressLine(label: "formatting \(image)", quiet: quiet)
        do {
            try XV6FS.mkfs(device: device, options: options) { progress.update($0) }
        } catch {
            progress.finish()
            throw Failure("\(image): \(error)")
        }
        progress.finish()
        print("\(image): xv6fs, \(device.blockCount) blocks of 4096 bytes, data=\(data)")
    }

    /// Parses `256M`-style sizes; a bare number counts `bareUnit` bytes.
    static func bytes(_ text: String, bareUnit: UInt64) throws -> UInt64 {
        do { return try ByteSize.parse(text, bareUnit: bareUnit) } catch { throw ValidationError(error.description) }
    }
}
