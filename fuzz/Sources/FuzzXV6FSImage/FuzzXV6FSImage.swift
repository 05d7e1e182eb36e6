import BentoKit
import BentoServices
import FuzzSupport
import XV6FS

// Any bytes as damage to an xv6fs image: the input is a list of patches (block, offset within it, length, bytes)
// applied to the metadata blocks of a small formatted image holding a directory with a file (superblock, journal
// header, bitmaps, inode table, directory and indirect blocks: the first `patchedBlocks` blocks of the image).
// fsck must report, never trap; a mount must refuse or serve; and what it serves (a lookup, a read, a listing, a
// new file, an unmount that commits) must answer without a trap.
enum FuzzXV6FSImage: FuzzTarget {
    /// Patches land in the first blocks: everything but the file data of the template.
    static let patchedBlocks = 96
    /// Small caches (the image is 4 MiB): a mount's cost is then mostly what it reads and checks.
    static let options = XV6FS.Options(cacheBlocks: 1024, inodeCapacity: 64, commitInterval: nil)

    /// The template: formatted, with a directory `d` holding a 40 KiB file `d/f` (an indirect block), cleanly
    /// unmounted.
    static let image: DiskImage = {
        let disk = SimulatedDisk(blockCount: 1024)
        guard (try? XV6FS.mkfs(device: disk, options: MkfsOptions(journalBlocks: 256))) != nil,
              let fs = try? XV6FS(device: disk, options: options),
              let d = try? FileName("d"), let f = try? FileName("f"),
              let directory = try? fs.mkdir(.root, parent: .root, name: d, mode: FileMode(type: .directory, permissions: 0o755)),
              let file = try? fs.create(.root, parent: directory.inode, name: f, mode: FileMode(type: .regular, permissions: 0o644),
                                        flags: .readWrite),
              (try? fs.write(.root, inode: file.entry.inode, handle: file.open.handle, offset: 0,
                             data: [UInt8](repeating: 0x5A, count: 40960), flags: [])) != nil else {
            fatalError("the fuzz target's image could not be made")
        }
        fs.destroy()
        return disk.durableImage
    }()

    static func run(_ bytes: [UInt8]) {
        let disk = SimulatedDisk(image: image)
        var input = bytes[...]
        while input.count >= 5 {
            let block = Int(input[input.startIndex]) % patchedBlocks
            let offset = (Int(input[input.startIndex + 1]) << 8 | Int(input[input.startIndex + 2])) % 4096
            let length = min(Int(input[input.startIndex + 3]), input.count - 4, 4096 - offset)
            let patch = input.dropFirst(4).prefix(length)
            input = input.dropFirst(4 + length)
            guard var contents = try? disk.read(BlockNumber(UInt64(block))) else { continue }
            contents.replaceSubrange(offset..<offset + patch.count, with: patch)
            try? disk.write(BlockNumber(UInt64(block)), contents)
        }
        try? disk.flush()
        _ = XV6FS.fsck(device: disk)
        guard let fs = try? XV6FS(device: disk, options: options) else { return }
        if let d = try? FileName("d"), let f = try? FileName("f"), let g = try? FileName("g"),
           let directory = try? fs.lookup(.root, parent: .root, name: d) {
            if let file = try? fs.lookup(.root, parent: directory.inode, name: f),
               let open = try? fs.open(.root, inode: file.inode, flags: []) {
                _ = try? fs.read(.root, inode: file.inode, handle: open.handle, offset: 0, size: 65536)
                try? fs.release(.root, inode: file.inode, handle: open.handle, flags: [])
            }
            list(directory.inode, of: fs)
            _ = try? fs.create(.root, parent: directory.inode, name: g, mode: FileMode(type: .regular, permissions: 0o644),
                               flags: .readWrite)
        }
        fs.destroy()
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput") public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt { FuzzXV6FSImage.fuzz(data, count) }
#else
@main enum Replay: ReplayMain { typealias Target = FuzzXV6FSImage }
#endif
