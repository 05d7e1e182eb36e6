import BentoKit
import FUSEWire

// READDIR and READDIRPLUS: the listing is sized in wire bytes, so the file system stops exactly where the
// kernel's buffer is full.
extension Dispatcher {
    /// Lists `directory` from `offset` into at most `size` bytes of `fuse_dirent` (or `fuse_direntplus`)
    /// records, counting one lookup for each readdirplus entry kept with a lookup answer.
    func list(_ directory: Inode, handle: FileHandle, offset: UInt64, size: UInt32, isPlus: Bool,
              for request: Request) throws(Errno) -> [UInt8] {
        var listing = DirectoryListing(capacity: Int(size), isPlus: isPlus) { nameLength, isPlus in
            DirectoryEncoder.recordSize(nameLength: nameLength, isPlus: isPlus)
        }
        if isPlus {
            try fileSystem.readdirplus(request, inode: directory, handle: handle, offset: offset, into: &listing)
            let handedOut = listing.entries.reduce(0) { $0 + ($1.lookup == nil ? 0 : 1) }
            lookups.wrappingAdd(Int64(handedOut), ordering: .relaxed)
        } else {
            try fileSystem.readdir(request, inode: directory, handle: handle, offset: offset, into: &listing)
        }
        return DirectoryEncoder.encode(listing, policy: policy)
    }
}
