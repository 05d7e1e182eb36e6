import BentoKit
import FUSEWire

// The operations that reach the file system with a `Request`: one line each, from decoded arguments to
// the file system's method to the reply body. Listings and extended attributes, which need sizing, have
// their own files.
extension Dispatcher {
    /// Calls the file system for `operation` on `node` and shapes its answer as a reply body. `bytes` is the
    /// request the operation was decoded from: a WRITE's data is lent from there.
    func perform(_ operation: Operation, on node: Inode, for request: Request, in bytes: UnsafeRawBufferPointer,
                 replyBuffer: ReplyBuffer?) throws(Errno) -> ReplyBody {
        let fs = fileSystem
        switch operation {
        // Entries: each returned entry counts one lookup.
        case .lookup(let name):
            return try lookupReply { () throws(Errno) in try fs.lookup(request, parent: node, name: name) }
        case .mknod(let name, let mode, let device, _):
            return .entry(counted(try fs.mknod(request, parent: node, name: name, mode: mode, device: device)))
        case .mkdir(let name, let mode, _):
            return .entry(counted(try fs.mkdir(request, parent: node, name: name, mode: mode)))
        case .symlink(let name, let target):
            return .entry(counted(try fs.symlink(request, parent: node, name: name, target: target)))
        case .link(let inode, let newName):
            return .entry(counted(try fs.link(request, inode: inode, newParent: node, newName: newName)))
        case .create(let name, let mode, let flags, _):
            return created(try fs.create(request, parent: node, name: name, mode: mode, flags: flags))
        case .tmpfile(let mode, let flags, _):
            return created(try fs.tmpfile(request, parent: node, mode: mode, flags: flags))
        case .unlink(let name):
            try fs.unlink(request, parent: node, name: name)
        case .rmdir(let name):
            try fs.rmdir(request, parent: node, name: name)
        case .rename(let name, let newParent, let newName, let flags):
            try fs.rename(request, parent: node, name: name, newParent: newParent, newName: newName, flags: flags)

        // Attributes.
        case .getattr(let handle):
            return .attributes(try fs.getattr(request, inode: node, handle: handle))
        case .setattr(let changes):
            return .attributes(try fs.setattr(request, inode: node, changes: changes))
        case .readlink:
            return .data(try fs.readlink(request, inode: node))
        case .access(let mask):
            try fs.access(request, inode: node, mask: mask)
        case .statfs:
            return .statistics(try fs.statfs(request, inode: node))
        case .setxattr(let name, let value, let flags):
            try fs.setxattr(request, inode: node, name: name, value: value, flags: flags)
        case .getxattr(let name, let size):
            return try Self.sized(try fs.getxattr(request, inode: node, name: name), limit: size)
        case .listxattr(let size):
            return try Self.sized(Self.nameList(try fs.listxattr(request, inode: node)), limit: size)
        case .removexattr(let name):
            try fs.removexattr(request, inode: node, name: name)

        // Open files.
        case .open(let flags):
            let (reply, backing) = opened(try fs.open(request, inode: node, flags: flags), of: node)
            return .open(reply, backing: backing)
        case .read(let handle, let offset, let size):
            if let replyBuffer, Int(size) <= replyBuffer.capacity {
                return .dataInPlace(count: try replyBuffer.fill { (output: inout OutputSpan<UInt8>) throws(Errno) in
                    try fs.read(request, inode: node, handle: handle, offset: offset, size: size, into: &output)
                })
            }
            let data = try fs.read(request, inode: node, handle: handle, offset: offset, size: size)
            return .data(data.count > Int(size) ? Array(data.prefix(Int(size))) : data)
        case .write(let handle, let offset, let payload, let flags):
            return .written(try payload.withBytes(in: bytes) { (data: Span<UInt8>) throws(Errno) in
                try fs.write(request, inode: node, handle: handle, offset: offset, data: data, flags: flags)
            })
        case .flush(let handle, let lockOwner):
            try fs.flush(request, inode: node, handle: handle, lockOwner: lockOwner)
        case .release(let handle, let flags):
            defer { released(node, handle: handle) }  // the kernel has let go of the file, whatever the answer
            try fs.release(request, inode: node, handle: handle, flags: flags)
        case .fsync(let handle, let dataOnly):
            try fs.fsync(request, inode: node, handle: handle, dataOnly: dataOnly)
        case .fallocate(let handle, let offset, let length, let mode):
            try fs.fallocate(request, inode: node, handle: handle, offset: offset, length: length, mode: mode)
        case .lseek(let handle, let offset, let whence):
            // Under the writeback cache the kernel asks without writing dirty pages back first, so the file
            // system would answer from stale data: ENOSYS makes the kernel answer itself (data up to the end of
            // the file, the hole at the end), coarse but never wrong.
            if negotiated?.capabilities.contains(.writebackCache) == true { throw .noFunction }
            return .offset(try fs.lseek(request, inode: node, handle: handle, offset: offset, whence: whence))
        case .ioctl(_, let command, let input, let outputSize):
            guard let asked = try InodeFlagsRequest(command: command, input: input, outputSize: outputSize) else {
                throw .inappropriateIOCTLForDevice
            }
            switch asked {
            case .get: return .ioctl(output: asked.output(try fs.inodeFlags(request, inode: node)))
            case .set(let flags): try fs.setInodeFlags(request, inode: node, flags: flags)
            }
            return .ioctl(output: [])
        case .copyFileRange(let copy):
            let copied = try fs.copyFileRange(
                request, from: node, handle: copy.sourceHandle, offset: copy.sourceOffset, to: copy.destination,
                handle: copy.destinationHandle, offset: copy.destinationOffset, length: copy.length, flags: copy.flags)
            return .written(UInt32(clamping: copied))

        // Directories.
        case .opendir(let flags):
            return .open(withDirectoryCaching(try fs.opendir(request, inode: node, flags: flags)))
        case .readdir(let handle, let offset, let size):
            return .data(try list(node, handle: handle, offset: offset, size: size, isPlus: false, for: request))
        case .readdirplus(let handle, let offset, let size):
            return .data(try list(node, handle: handle, offset: offset, size: size, isPlus: true, for: request))
        case .releasedir(let handle):
            try fs.releasedir(request, inode: node, handle: handle)
        case .fsyncdir(let handle, let dataOnly):
            try fs.fsyncdir(request, inode: node, handle: handle, dataOnly: dataOnly)

        case .unknown:
            throw .noFunction
        // Served by `serve` before a request is registered; never passed here.
        case .initialize, .destroy, .forget, .batchForget, .interrupt:
            throw .invalidArgument
        }
        return .empty
    }
}
