import BentoKit

// Requests about open files: OPEN, READ, WRITE, FLUSH, RELEASE, FSYNC, FALLOCATE, LSEEK, COPY_FILE_RANGE, IOCTL.
// The struct readers here also serve the directory group, which shares the kernel's structs.
extension RequestDecoder {
    static let fileDecoders: [(Opcode, Decode)] = [
        (.open, { reader throws(DecodeError) in .open(flags: try openFlags(&reader)) }),
        (.read, { reader throws(DecodeError) in
            let (handle, offset, size) = try readArguments(&reader)
            return .read(handle: handle, offset: offset, size: size)
        }),
        (.write, decodeWrite),
        (.flush, decodeFlush),
        (.release, { reader throws(DecodeError) in
            let (handle, flags) = try releaseArguments(&reader)
            return .release(handle: handle, flags: flags)
        }),
        (.fsync, { reader throws(DecodeError) in
            let (handle, dataOnly) = try fsyncArguments(&reader)
            return .fsync(handle: handle, dataOnly: dataOnly)
        }),
        (.fallocate, decodeFallocate),
        (.lseek, decodeLseek),
        (.copyFileRange, decodeCopyFileRange),
        (.ioctl, decodeIoctl),
    ]

    /// `fuse_open_in { flags, open_flags }`: the `open(2)` flags.
    static func openFlags(_ reader: inout WireReader) throws(DecodeError) -> OpenFlags {
        let flags = OpenFlags(rawValue: Int32(bitPattern: try reader.read()))
        try reader.skip(4)
        return flags
    }

    /// `fuse_read_in { fh, offset, size, read_flags, lock_owner, flags, padding }`. READ's offset is a file
    /// offset (checked); READDIR's is the file system's own cookie (`isCookie`) and may be any 64-bit value.
    static func readArguments(_ reader: inout WireReader, isCookie: Bool = false) throws(DecodeError) -> (FileHandle, UInt64, UInt32) {
        let handle = FileHandle(try reader.read(UInt64.self))
        let offset = isCookie ? try reader.read(UInt64.self) : try reader.fileOffset()
        let size = try reader.transferSize()
        try reader.skip(20)
        return (handle, offset, size)
    }

    /// `fuse_release_in { fh, flags, release_flags, lock_owner }`.
    static func releaseArguments(_ reader: inout WireReader) throws(DecodeError) -> (FileHandle, OpenFlags) {
        let handle = FileHandle(try reader.read(UInt64.self))
        let flags = OpenFlags(rawValue: Int32(bitPattern: try reader.read()))
        try reader.skip(12)
        return (handle, flags)
    }

    /// `fuse_fsync_in { fh, fsync_flags, padding }`.
    static func fsyncArguments(_ reader: inout WireReader) throws(DecodeError) -> (FileHandle, Bool) {
        let handle = FileHandle(try reader.read(UInt64.self))
        let flags: UInt32 = try reader.read()
        try reader.skip(4)
        return (handle, flags & fsyncDataOnlyFlag != 0)
    }

    /// `fuse_write_in { fh, offset, size, write_flags, lock_owner, flags, padding }` then exactly `size` bytes of
    /// data. A write of the kernel's cached pages (FUSE_WRITE_CACHE: a shared mapping written back, or the
    /// writeback cache) goes at its offset even on a file opened `O_APPEND`, so its flags lose `O_APPEND`: file
    /// systems append when a write's flags say so, and for these the kernel has placed the bytes itself.
    private static func decodeWrite(_ reader: inout WireReader) throws(DecodeError) -> Operation {
        let handle = FileHandle(try reader.read(UInt64.self))
        let offset = try reader.fileOffset()
        let size: UInt32 = try reader.read()
        let writeFlags: UInt32 = try reader.read()
        try reader.skip(8)
        var flags = OpenFlags(rawValue: Int32(bitPattern: try reader.read()))
        if writeFlags & writeOfCachedPagesFlag != 0 { flags.remove(.append) }
        try reader.skip(4)
        guard reader.remaining == Int(size) else { throw DecodeError(.lengthMismatch, at: reader.offset) }
        return .write(handle: handle, offset: offset, data: reader.restInPlace(), flags: flags)
    }

    /// `fuse_flush_in { fh, unused, padding, lock_owner }`.
    private static func decodeFlush(_ reader: inout WireReader) throws(DecodeError) -> Operation {
        let handle = FileHandle(try reader.read(UInt64.self))
        try reader.skip(8)
        return .flush(handle: handle, lockOwner: try reader.read())
    }

    /// `fuse_fallocate_in { fh, offset, length, mode, padding }`.
    private static func decodeFallocate(_ reader: inout WireReader) throws(DecodeError) -> Operation {
        let handle = FileHandle(try reader.read(UInt64.self))
        let offset = try reader.fileOffset()
        let length = try reader.fileOffset()
        let mode = FallocateMode(rawValue: try reader.read())
        try reader.skip(4)
        return .fallocate(handle: handle, offset: offset, length: length, mode: mode)
    }

    /// `fuse_lseek_in { fh, offset, whence, padding }`; `whence` must be a known `SEEK_*`.
    private static func decodeLseek(_ reader: inout WireReader) throws(DecodeError) -> Operation {
        let handle = FileHandle(try reader.read(UInt64.self))
        let offset = try reader.fileOffset()
        let whenceOffset = reader.offset
        guard let whence = SeekWhence(rawValue: try reader.read()) else {
            throw DecodeError(.invalidValue, at: whenceOffset)
        }
        try reader.skip(4)
        return .lseek(handle: handle, offset: offset, whence: whence)
    }

    /// `fuse_ioctl_in { fh, flags, cmd, arg, in_size, out_size }` then exactly `in_size` bytes of input.
    private static func decodeIoctl(_ reader: inout WireReader) throws(DecodeError) -> Operation {
        let handle = FileHandle(try reader.read(UInt64.self))
        try reader.skip(4)  // flags: FUSE_IOCTL_COMPAT, _DIR; the commands Bento answers do not depend on them
        let command: UInt32 = try reader.read()
        try reader.skip(8)  // arg: the caller's pointer, meaningless here
        let inputSize: UInt32 = try reader.read()
        let outputSize: UInt32 = try reader.read()
        guard reader.remaining == Int(inputSize) else { throw DecodeError(.lengthMismatch, at: reader.offset) }
        return .ioctl(handle: handle, command: command, input: reader.rest(), outputSize: outputSize)
    }

    /// `fuse_copy_file_range_in { fh_in, off_in, nodeid_out, fh_out, off_out, len, flags }`.
    private static func decodeCopyFileRange(_ reader: inout WireReader) throws(DecodeError) -> Operation {
        .copyFileRange(CopyRangeArguments(
            sourceHandle: FileHandle(try reader.read(UInt64.self)), sourceOffset: try reader.fileOffset(),
            destination: Inode(try reader.read(UInt64.self)), destinationHandle: FileHandle(try reader.read(UInt64.self)),
            destinationOffset: try reader.fileOffset(), length: try reader.read(), flags: try reader.read()))
    }
}
