import BentoKit

/// Encodes directory listings as the kernel reads them: `fuse_dirent` records (READDIR) or
/// `fuse_direntplus` records (READDIRPLUS), each padded to 8 bytes.
public enum DirectoryEncoder {
    /// The bytes one entry takes on the wire; the cost function of a `DirectoryListing` sized in bytes.
    public static func recordSize(nameLength: Int, isPlus: Bool) -> Int {
        let dirent = (WireLayout.direntHeaderSize + nameLength + 7) & ~7
        return isPlus ? WireLayout.entryOutSize + dirent : dirent
    }

    /// The records of every entry kept in `listing`. In a readdirplus listing, an entry without a lookup
    /// answer (`.`, `..`) gets a `fuse_entry_out` with node id 0, which the kernel skips, carrying only
    /// the entry's inode number and type; lookup answers without cache timeouts get `policy`'s.
    public static func encode(_ listing: DirectoryListing, policy: CachePolicy = .conservative) -> [UInt8] {
        let size = listing.entries.reduce(0) { $0 + recordSize(nameLength: $1.entry.name.bytes.count, isPlus: listing.isPlus) }
        var writer = WireWriter(capacity: size, policy: policy)
        for (entry, lookup) in listing.entries {
            if listing.isPlus {
                appendEntryOut(lookup, for: entry, to: &writer)
            }
            writer.append(entry.inode.rawValue)
            writer.append(entry.cookie)
            writer.append(UInt32(entry.name.bytes.count))
            writer.append(entry.type.directoryEntryType)
            writer.append(contentsOf: entry.name.bytes)
            writer.alignTo8()
        }
        return writer.bytes
    }

    /// The entry's lookup answer, or for an entry the kernel must not look up a `fuse_entry_out` with node id 0
    /// (which the kernel skips) and no cache time, carrying only the inode number and type.
    private static func appendEntryOut(_ lookup: Entry?, for entry: DirectoryEntry, to writer: inout WireWriter) {
        if let lookup {
            writer.append(lookup)
        } else {
            writer.zeros(WireLayout.entryOutSize - WireLayout.attrSize)  // nodeid, generation, valid times
            writer.append(Attributes(inode: entry.inode, mode: FileMode(type: entry.type, permissions: 0),
                                     linkCount: 0, blockSize: 0))
        }
    }
}
