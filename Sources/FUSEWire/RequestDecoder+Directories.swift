import BentoKit

// Requests about open directories: OPENDIR, READDIR, READDIRPLUS, RELEASEDIR, FSYNCDIR. They reuse the
// file structs (`fuse_open_in`, `fuse_read_in`, `fuse_release_in`, `fuse_fsync_in`).
extension RequestDecoder {
    static let directoryDecoders: [(Opcode, Decode)] = [
        (.opendir, { reader throws(DecodeError) in .opendir(flags: try openFlags(&reader)) }),
        (.readdir, { reader throws(DecodeError) in
            let (handle, offset, size) = try readArguments(&reader, isCookie: true)
            return .readdir(handle: handle, offset: offset, size: size)
        }),
        (.readdirplus, { reader throws(DecodeError) in
            let (handle, offset, size) = try readArguments(&reader, isCookie: true)
            return .readdirplus(handle: handle, offset: offset, size: size)
        }),
        (.releasedir, { reader throws(DecodeError) in .releasedir(handle: try releaseArguments(&reader).0) }),
        (.fsyncdir, { reader throws(DecodeError) in
            let (handle, dataOnly) = try fsyncArguments(&reader)
            return .fsyncdir(handle: handle, dataOnly: dataOnly)
        }),
    ]
}
