import BentoKit
import BentoSystem

/// A block device over an image file or a real block device (`/dev/loopN`, opened exclusively).
///
/// Each call is one `pread`/`pwrite` (multi-block calls too); `flush` is `fdatasync`. With `direct`, transfers
/// bypass the page cache (`O_DIRECT`) through page-aligned memory.
public final class FileBlockDevice: BlockDevice {
    /// Bytes per block.
    public let blockSize: Int
    /// Blocks on the device (the file or device size divided by `blockSize`).
    public let blockCount: UInt64
    /// The path it was opened from.
    public let path: String
    /// Whether `path` is a block device rather than a regular file.
    public var isBlockDevice: Bool { file.isBlockDevice }
    /// Whether transfers bypass the page cache.
    public var isDirect: Bool { file.isDirect }

    /// The open descriptor's number, which `duplicating(descriptor:)` takes over within this process.
    public var descriptor: Int32 { file.descriptor.rawValue }

    private let file: BlockFile

    /// Opens an image file or block device of whole blocks.
    ///
    /// - Throws: `EINVAL` when `blockSize` is not a power of two of at least 512, or the
    ///   size is under one block or not a multiple of `blockSize`; `EBUSY` when the block device is mounted or
    ///   held by someone else; otherwise the `open`/`stat` error (`ENOENT`, `EACCES`, ...).
    ///   `FileBlockDevice.open` throws the same failures with a message naming the problem.
    public convenience init(path: String, blockSize: Int = 4096, direct: Bool = false, readOnly: Bool = false) throws(Errno) {
        do {
            let file = try Self.openFile(path: path, blockSize: blockSize, direct: direct, readOnly: readOnly)
            self.init(file: file, path: path, blockSize: blockSize)
        } catch {
            throw error.errno
        }
    }

    /// Like `init(path:...)`, with failures that explain themselves (for command-line tools).
    public static func open(path: String, blockSize: Int = 4096, direct: Bool = false,
                            readOnly: Bool = false) throws(DeviceOpenError) -> FileBlockDevice {
        let file = try openFile(path: path, blockSize: blockSize, direct: direct, readOnly: readOnly)
        return FileBlockDevice(file: file, path: path, blockSize: blockSize)
    }

    /// Takes over the device open at `descriptor` in this process (a live upgrade's new version continuing on
    /// the old one's device): the same open file, so a block device stays claimed; `path` is for messages.
    public static func duplicating(descriptor: Int32, path: String, blockSize: Int = 4096) throws(DeviceOpenError) -> FileBlockDevice {
        let file: BlockFile
        do { file = try BlockFile(duplicating: descriptor) } catch {
            throw DeviceOpenError(error, "cannot take over \(path) (descriptor \(descriptor)): \(error)")
        }
        try requireWholeBlocks(file, path: path, blockSize: blockSize)
        return FileBlockDevice(file: file, path: path, blockSize: blockSize)
    }

    /// Creates (or extends) an image file of `size` bytes, then opens it. A larger existing file keeps its size.
    public static func create(path: String, size: UInt64, blockSize: Int = 4096) throws(Errno) -> FileBlockDevice {
        try BlockFile.createImage(path: path, size: size)
        return try FileBlockDevice(path: path, blockSize: blockSize)
    }

    private init(file: BlockFile, path: String, blockSize: Int) {
        self.file = file
        self.path = path
        self.blockSize = blockSize
        self.blockCount = file.size / UInt64(blockSize)
    }

    private static func openFile(path: String, blockSize: Int, direct: Bool, readOnly: Bool) throws(DeviceOpenError) -> BlockFile {
        guard blockSize >= 512, blockSize.nonzeroBitCount == 1 else {
            throw DeviceOpenError(.invalidArgument, "block size \(blockSize) is not a power of two of at least 512 bytes")
        }
        let file: BlockFile
        do {
            file = try BlockFile(path: path, readOnly: readOnly, direct: direct)
        } catch .resourceBusy {
            throw DeviceOpenError(.resourceBusy, "\(path) is busy (mounted or opened exclusively by another program)")
        } catch .invalidArgument where direct {
            throw DeviceOpenError(.invalidArgument, "\(path) cannot be opened with O_DIRECT (its file system does not support it)")
        } catch {
            throw DeviceOpenError(error, "cannot open \(path): \(error)")
        }
        try requireWholeBlocks(file, path: path, blockSize: blockSize)
        return file
    }

    /// `EINVAL` unless the file holds at least one block and whole blocks only.
    private static func requireWholeBlocks(_ file: BlockFile, path: String, blockSize: Int) throws(DeviceOpenError) {
        guard file.size >= UInt64(blockSize) else {
            throw DeviceOpenError(.invalidArgument, "\(path) is \(file.size) bytes, smaller than one \(blockSize)-byte block")
        }
        guard file.size % UInt64(blockSize) == 0 else {
            throw DeviceOpenError(.invalidArgument, "\(path) is \(file.size) bytes, not a multiple of the \(blockSize)-byte block size")
        }
    }

    /// Reads one block.
    public func read(_ block: BlockNumber) throws(Errno) -> [UInt8] {
        try read(block, count: 1)
    }

    /// Reads `count` consecutive blocks with one `pread`.
    public func read(_ block: BlockNumber, count: Int) throws(Errno) -> [UInt8] {
        let offset = try checkedRange(block, count: count)
        return try file.read(at: offset, count: count * blockSize)
    }

    /// Writes one block.
    public func write(_ block: BlockNumber, _ bytes: [UInt8]) throws(Errno) {
        guard bytes.count == blockSize else { throw .invalidArgument }
        try write(startingAt: block, bytes)
    }

    /// Writes consecutive blocks with one `pwrite`.
    public func write(startingAt block: BlockNumber, _ bytes: [UInt8]) throws(Errno) {
        let count = try checkedBlockCount(of: bytes)
        let offset = try checkedRange(block, count: count)
        try file.write(bytes, at: offset)
    }

    /// Makes every completed write durable (`fdatasync`).
    public func flush() throws(Errno) {
        try file.flush()
    }
}

/// Why a block device could not be opened: the `Errno` plus a message naming the problem and the path.
public struct DeviceOpenError: Error, Sendable, CustomStringConvertible {
    /// The error code (`EINVAL`, `EBUSY`, `ENOENT`, ...).
    public let errno: Errno
    /// What went wrong, for people.
    public let message: String

    /// An error with its code and message.
    public init(_ errno: Errno, _ message: String) {
        self.errno = errno
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
