import BentoKit
import FUSEWire

// FUSE passthrough as the dispatcher serves it. At INIT: a file system asks for `Capabilities.passthrough` in
// `initialize`, `-o passthrough=on|off` overrides it, it needs a way to register backing files (the session's
// channel), and it is off under the writeback cache (the kernel refuses both together; logged). At each OPEN and
// CREATE: a backing descriptor the file system handed over becomes the inode's backing file (`PassthroughOpens`
// keeps one per inode while it has open files); at RELEASE, the inode's last handle drops it. File systems never see
// backing ids or FUSE bits.
extension Dispatcher {
    /// FUSE's `FILESYSTEM_MAX_STACK_DEPTH`: this mount counts as one level, stacked backing files as another.
    static let maximumStackDepth: UInt32 = 2

    /// Settles passthrough in `connection` once the file system and the writeback option have had their say.
    func settlePassthrough(_ connection: inout Connection) {
        switch options.passthrough {
        case true?: connection.wanted.insert(.passthrough)
        case false?: connection.wanted.remove(.passthrough)
        case nil: break
        }
        if passthroughOpens == nil { connection.wanted.remove(.passthrough) }
        let enabled = connection.enabled
        if enabled.contains(.passthrough) && enabled.contains(.writebackCache) {
            connection.wanted.remove(.passthrough)
            logger.notice("passthrough off: the kernel refuses it together with the writeback cache (-o writeback)")
        }
    }

    /// `fuse_init_out.max_stack_depth` for `connection`: 0 without passthrough.
    static func stackDepth(of connection: Connection) -> UInt32 {
        guard connection.enabled.contains(.passthrough) else { return 0 }
        return connection.backingFilesAreStacked ? maximumStackDepth : 1
    }

    /// `reply` to an open of `inode` with the policy's caching, and the backing file the kernel passes it through
    /// to, if any (the encoder then drops the options the kernel refuses beside passthrough).
    func opened(_ reply: OpenReply, of inode: Inode) -> (OpenReply, BackingID?) {
        let backing = passthroughOpens?.open(inode, handle: reply.handle, descriptor: reply.backingDescriptor)
        return (withFileCaching(reply), backing)
    }

    /// The answer to CREATE or TMPFILE: its entry counted as a lookup, its open as `opened` says.
    func created(_ reply: CreateReply) -> ReplyBody {
        var reply = reply
        reply.entry = counted(reply.entry)
        let backing: BackingID?
        (reply.open, backing) = opened(reply.open, of: reply.entry.inode)
        return .create(reply, backing: backing)
    }

    /// The kernel released `handle` of `inode`: its inode's backing file goes with its last open handle.
    func released(_ inode: Inode, handle: FileHandle) {
        passthroughOpens?.release(inode, handle: handle)
    }
}
