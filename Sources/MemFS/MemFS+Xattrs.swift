import BentoKit

// Extended attributes, as tmpfs offers them: the `user.`, `trusted.` and `security.` namespaces, and in `system.`
// the two POSIX ACLs (other `system.` names and names without a namespace answer `EOPNOTSUPP`). Values up to
// 64 KiB (`E2BIG`). `user.` attributes live only on regular files and directories and follow the file's read
// and write permissions; `trusted.` ones are root's alone (hidden from others). An ACL set changes the mode and
// is kept only when the mode cannot say it all (`FileMode.settingAttribute`); `XATTR_CREATE`/`REPLACE` do not
// apply to ACLs, which the kernel sets without them.

extension MemFS {
    /// The largest value an attribute may hold (`XATTR_SIZE_MAX`).
    public static let maximumXattrSize = 64 * 1024

    /// Sets an attribute; `XATTR_CREATE` refuses an existing one (`EEXIST`), `XATTR_REPLACE` a missing one
    /// (`ENODATA`). Sets ctime.
    public func setxattr(_ request: Request, inode: Inode, name: XattrName, value: [UInt8], flags: XattrFlags) throws(Errno) {
        guard value.count <= Self.maximumXattrSize else { throw .argListTooLong }
        guard !flags.contains([.create, .replace]) else { throw .invalidArgument }
        let now = clock.now()
        try modifying { (state: inout State) throws(Errno) in
            let node = try state.node(inode)
            try state.checkXattr(name, on: node, writing: true, for: request)
            (node.mode, node.xattrs[name]) = try node.mode.settingAttribute(name, to: value, flags: flags,
                                                                            existing: node.xattrs[name])
            node.changeTime = now
        }
    }

    /// Reads an attribute's value; `ENODATA` when absent.
    public func getxattr(_ request: Request, inode: Inode, name: XattrName) throws(Errno) -> [UInt8] {
        try locked { (state: inout State) throws(Errno) -> [UInt8] in
            let node = try state.node(inode)
            try state.checkXattr(name, on: node, writing: false, for: request)
            if name == .bentoVersion, let version = options.versionAttribute { return Array(version.utf8) }
            guard let value = node.xattrs[name] else { throw .noData }
            return value
        }
    }

    /// Lists the attribute names the caller may see, in byte order.
    public func listxattr(_ request: Request, inode: Inode) throws(Errno) -> [XattrName] {
        try locked { (state: inout State) throws(Errno) -> [XattrName] in
            let node = try state.node(inode)
            return node.xattrs.keys
                .filter { request.isRoot || !state.limits.checksPermissions || $0.namespace != "trusted" }
                .sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        }
    }

    /// Removes an attribute; `ENODATA` when absent. Sets ctime.
    public func removexattr(_ request: Request, inode: Inode, name: XattrName) throws(Errno) {
        let now = clock.now()
        try modifying { (state: inout State) throws(Errno) in
            let node = try state.node(inode)
            try state.checkXattr(name, on: node, writing: true, for: request)
            guard node.xattrs.removeValue(forKey: name) != nil else { throw .noData }
            node.changeTime = now
        }
    }
}

extension MemFS.State {
    /// Checks the namespace of `name` and the caller's right to read or change it on `node` (`xattr_permission`).
    func checkXattr(_ name: XattrName, on node: Node, writing: Bool, for request: Request) throws(Errno) {
        if writing { try node.flags.checkUnprotected() }
        switch name.namespace {
        case "user":
            guard node.type == .regular || node.isDirectory else { throw writing ? .notPermitted : .noData }
            try require(writing ? .write : .read, on: node, for: request)
        case "trusted":
            guard !limits.checksPermissions || request.isRoot else { throw writing ? .notPermitted : .noData }
        case "security":
            if writing { try requireOwnership(of: node, for: request) }
        case "system" where name.isACL:
            if writing { try node.ownership.checkACLChange(name, by: request, checksPermissions: limits.checksPermissions) }
        default:
            throw .notSupported
        }
    }
}
