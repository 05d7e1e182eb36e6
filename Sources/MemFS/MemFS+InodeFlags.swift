import BentoKit

// The `chattr` flags (`InodeFlags`): kept per node, enforced by the handlers (open, write, setattr, fallocate,
// copy_file_range, names, extended attributes, access times) through `InodeFlags`' checks. Changing them is the
// owner's (immutable and append-only root's only): the kernel checks that on a mount; MemFS checks it too when
// it checks permissions itself.

extension MemFS {
    /// The node's flags.
    public func inodeFlags(_ request: Request, inode: Inode) throws(Errno) -> InodeFlags {
        try locked { (state: inout State) throws(Errno) -> InodeFlags in try state.node(inode).flags }
    }

    /// Replaces the node's flags and sets its ctime; `EOPNOTSUPP` for a flag MemFS does not keep (as tmpfs).
    public func setInodeFlags(_ request: Request, inode: Inode, flags: InodeFlags) throws(Errno) {
        let flags = try InodeFlags.validated(flags)
        let now = clock.now()
        try modifying { (state: inout State) throws(Errno) in
            let node = try state.node(inode)
            try state.requireOwnership(of: node, for: request)
            if state.limits.checksPermissions { try node.flags.checkChange(to: flags, by: request) }
            node.flags = flags
            node.changeTime = now
        }
    }
}
