import Synchronization

/// Who made a call and which call it is: the caller's credentials and the kernel's request id.
///
/// Every `FileSystem` method receives one. Credentials are those of the process that made the system call
/// (FUSE `fuse_in_header`); a file system uses them to set ownership of new objects and to check permissions.
public struct Request: Sendable {
    /// The kernel's id for this request (FUSE `unique`); 0 for calls made in-process.
    public var unique: UInt64
    /// The caller's effective user id.
    public var uid: UserID
    /// The caller's effective group id.
    public var gid: GroupID
    /// The caller's process id (0 when unknown).
    public var pid: UInt32
    /// The caller's supplementary groups, when the driver knows them (empty otherwise).
    public var groups: [GroupID]
    /// The caller's umask for the file system to apply to a new object (mknod, mkdir, create, tmpfile) that gets
    /// no default ACL: set only for a file system that keeps POSIX ACLs (`Capabilities.posixACLs`), whose new
    /// objects' modes then arrive unmasked; 0 otherwise, the mode having been masked before it arrived.
    public var umask: UInt32
    /// Set when the kernel interrupts the call; a long operation may poll it and give up with `EINTR`.
    public let interruption: Interruption

    /// A request from the given caller.
    public init(unique: UInt64 = 0, uid: UserID = .root, gid: GroupID = .root, pid: UInt32 = 0,
                groups: [GroupID] = [], umask: UInt32 = 0, interruption: Interruption = Interruption()) {
        self.unique = unique
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.groups = groups
        self.umask = umask
        self.interruption = interruption
    }

    /// A request made by root, for tools and tests.
    public static var root: Request { Request() }

    /// True when the caller is the superuser.
    public var isRoot: Bool { uid == .root }

    /// True when the caller belongs to `group`, as primary or supplementary group.
    public func isMember(of group: GroupID) -> Bool { gid == group || groups.contains(group) }

    /// True once the kernel has interrupted this request (the caller got a signal).
    public var isInterrupted: Bool { interruption.isSet }
}

/// A flag the host raises when the kernel sends FUSE_INTERRUPT for a request in flight.
public final class Interruption: Sendable {
    private let flag = Atomic<Bool>(false)

    /// A flag not yet raised.
    public init() {}

    /// Raises the flag.
    public func raise() { flag.store(true, ordering: .releasing) }

    /// Whether the flag is raised.
    public var isSet: Bool { flag.load(ordering: .acquiring) }
}
