import BentoKit
import BentoSystem

/// Which host object a node stands for: its device and inode number (`st_dev`, `st_ino`).
struct HostIdentity: Sendable, Hashable {
    /// The host device.
    var device: UInt64
    /// The host inode number.
    var inode: UInt64
}

/// How a node's host object is reached again when no descriptor for it is cached.
enum Anchor: Sendable {
    /// By its file handle, opened with `open_by_handle_at` on a descriptor of its mount.
    case handle(FileHandleBytes, mount: HostDescriptor)
    /// By a descriptor held for the node's whole life: for the root, and for objects on file systems that
    /// cannot make file handles (their count is then bounded only by the kernel's forgets).
    case pinned(HostDescriptor)
}

/// The table of inodes the kernel knows: our node ids, each mapped to a host object and a lookup count.
///
/// Node ids start at 1 (the root, never forgotten) and grow; they are never reused, so a generation of 0 is
/// always unique. A host object seen again through another name or a hard link gets its existing node id.
/// If the host reuses an inode number for a new object while the old node is still remembered (the handles
/// differ), the new object gets a new node and the old node stays reachable only by its id, until forgotten.
/// Not synchronized: `PassthroughFS` keeps it behind a lock and does no system calls while holding it.
struct InodeTable {
    /// One known inode.
    struct Node: Sendable {
        /// The host object.
        var identity: HostIdentity
        /// How to reach it again.
        var anchor: Anchor
        /// Outstanding lookups: entries returned minus entries forgotten.
        var lookupCount: UInt64
        /// The host object's modification time when it was last opened (`cache=auto` keeps the kernel's pages
        /// of the file only while it is unchanged).
        var openedModification: HostTime? = nil
    }

    private var nodes: [UInt64: Node] = [:]
    private var byIdentity: [HostIdentity: UInt64] = [:]
    private var mounts: [Int32: HostDescriptor] = [:]
    private var nextID: UInt64 = Inode.root.rawValue + 1

    /// A table holding only the root, anchored by its descriptor.
    init(root identity: HostIdentity, descriptor: HostDescriptor) {
        nodes[Inode.root.rawValue] = Node(identity: identity, anchor: .pinned(descriptor), lookupCount: 1)
        byIdentity[identity] = Inode.root.rawValue
    }

    /// How many nodes are known, the root included.
    var count: Int { nodes.count }

    /// The node with id `id`, if the kernel still remembers it.
    func node(_ id: UInt64) -> Node? { nodes[id] }

    /// The node id of a host object, if known.
    func nodeID(for identity: HostIdentity) -> UInt64? { byIdentity[identity] }

    /// The descriptor that stands for mount `mountID` in `open_by_handle_at`, if one is known.
    func mountDescriptor(_ mountID: Int32) -> HostDescriptor? { mounts[mountID] }

    /// Remembers the descriptor for mount `mountID` (the first one wins) and returns the one in use.
    mutating func addMount(_ mountID: Int32, descriptor: HostDescriptor) -> HostDescriptor {
        if let known = mounts[mountID] { return known }
        mounts[mountID] = descriptor
        return descriptor
    }

    /// Counts one lookup of the host object `identity` reached through `anchor` and returns its node id,
    /// making a new node when the object is new (or its inode number was reused for another object).
    mutating func enter(_ identity: HostIdentity, anchor: Anchor) -> UInt64 {
        if let id = byIdentity[identity], var node = nodes[id], node.anchor.isSameObject(as: anchor) {
            node.lookupCount += 1
            nodes[id] = node
            return id
        }
        let id = nextID
        nextID += 1
        nodes[id] = Node(identity: identity, anchor: anchor, lookupCount: 1)
        byIdentity[identity] = id
        return id
    }

    /// Records that node `id` is opened while its host object's modification time is `modified`; true when that
    /// is the time it had at the previous open (the kernel's cached pages of it are still the host's data).
    mutating func recordOpen(_ id: UInt64, modified: HostTime) -> Bool {
        guard var node = nodes[id] else { return false }
        let unchanged = node.openedModification == modified
        node.openedModification = modified
        nodes[id] = node
        return unchanged
    }

    /// Drops `count` lookups of node `id`; returns true when the node is gone (the root never goes).
    mutating func forget(_ id: UInt64, count: UInt64) -> Bool {
        guard id != Inode.root.rawValue, var node = nodes[id] else { return false }
        node.lookupCount -= min(count, node.lookupCount)
        guard node.lookupCount == 0 else {
            nodes[id] = node
            return false
        }
        nodes[id] = nil
        if byIdentity[node.identity] == id { byIdentity[node.identity] = nil }
        return true
    }
}

extension Anchor {
    /// True when both anchors name the same object: equal handles, or (without handles) the same identity,
    /// which a held descriptor keeps from being reused.
    func isSameObject(as other: Anchor) -> Bool {
        switch (self, other) {
        case let (.handle(mine, _), .handle(theirs, _)): mine == theirs
        case (.pinned, .pinned): true
        default: false
        }
    }
}
