import BentoKit

// Requests that name an entry of the header's directory: LOOKUP, MKNOD, MKDIR, SYMLINK, UNLINK, RMDIR,
// RENAME, RENAME2, LINK, CREATE, TMPFILE.
extension RequestDecoder {
    static let entryDecoders: [(Opcode, Decode)] = [
        (.lookup, { reader throws(DecodeError) in .lookup(name: try reader.fileName()) }),
        (.unlink, { reader throws(DecodeError) in .unlink(name: try reader.fileName()) }),
        (.rmdir, { reader throws(DecodeError) in .rmdir(name: try reader.fileName()) }),
        (.symlink, { reader throws(DecodeError) in .symlink(name: try reader.fileName(), target: try reader.path()) }),
        (.mknod, decodeMknod),
        (.mkdir, decodeMkdir),
        (.rename, { reader throws(DecodeError) in try decodeRename(&reader, hasFlags: false) }),
        (.rename2, { reader throws(DecodeError) in try decodeRename(&reader, hasFlags: true) }),
        (.link, decodeLink),
        (.create, decodeCreate),
        (.tmpfile, decodeTemporaryFile),
    ]

    /// `fuse_mknod_in { mode, rdev, umask, padding }` then the name.
    private static func decodeMknod(_ reader: inout WireReader) throws(DecodeError) -> Operation {
        let mode: UInt32 = try reader.read()
        let device: UInt32 = try reader.read()
        let umask: UInt32 = try reader.read()
        try reader.skip(4)
        return .mknod(name: try reader.fileName(), mode: FileMode(rawValue: mode), device: device, umask: umask)
    }

    /// `fuse_mkdir_in { mode, umask }` then the name.
    private static func decodeMkdir(_ reader: inout WireReader) throws(DecodeError) -> Operation {
        let mode: UInt32 = try reader.read()
        let umask: UInt32 = try reader.read()
        return .mkdir(name: try reader.fileName(), mode: FileMode(rawValue: mode), umask: umask)
    }

    /// `fuse_rename_in { newdir }` or `fuse_rename2_in { newdir, flags, padding }`, then both names.
    private static func decodeRename(_ reader: inout WireReader, hasFlags: Bool) throws(DecodeError) -> Operation {
        let newParent = Inode(try reader.read(UInt64.self))
        var flags: RenameFlags = []
        if hasFlags {
            flags = RenameFlags(rawValue: try reader.read())
            try reader.skip(4)
        }
        let name = try reader.fileName()
        return .rename(name: name, newParent: newParent, newName: try reader.fileName(), flags: flags)
    }

    /// `fuse_link_in { oldnodeid }` then the new name.
    private static func decodeLink(_ reader: inout WireReader) throws(DecodeError) -> Operation {
        let inode = Inode(try reader.read(UInt64.self))
        return .link(inode: inode, newName: try reader.fileName())
    }

    /// `fuse_create_in { flags, mode, umask, open_flags }` then the name.
    private static func decodeCreate(_ reader: inout WireReader) throws(DecodeError) -> Operation {
        let (mode, flags, umask) = try decodeCreateArguments(&reader)
        return .create(name: try reader.fileName(), mode: mode, flags: flags, umask: umask)
    }

    /// `fuse_create_in` as for CREATE; the name after it is the kernel's placeholder for a dentry with none
    /// (`/`, which no name may be), so it is not read.
    private static func decodeTemporaryFile(_ reader: inout WireReader) throws(DecodeError) -> Operation {
        let (mode, flags, umask) = try decodeCreateArguments(&reader)
        return .tmpfile(mode: mode, flags: flags, umask: umask)
    }

    /// `fuse_create_in { flags, mode, umask, open_flags }`.
    private static func decodeCreateArguments(_ reader: inout WireReader) throws(DecodeError)
        -> (FileMode, OpenFlags, umask: UInt32) {
        let flags = OpenFlags(rawValue: Int32(bitPattern: try reader.read()))
        let mode: UInt32 = try reader.read()
        let umask: UInt32 = try reader.read()
        try reader.skip(4)
        return (FileMode(rawValue: mode), flags, umask)
    }
}
