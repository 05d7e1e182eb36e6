import BentoKit

// The entries of a directory, kept so that a listing survives changes made while it runs.
//
// Each name gets a cookie when it is inserted, from a per-directory counter that only grows; a listing resumes
// at "the first entry whose cookie is greater than the offset", so removing entries (as `rm -rf` does between
// two readdir calls) never makes a listing skip or repeat a surviving entry. `.` and `..` take cookies 1 and 2.
//
// `order` holds every slot by increasing cookie; a slot is live while `index` still maps its name to its
// cookie, so removal is O(1) and leaves a tombstone that compaction sweeps once tombstones dominate.
//
// Not thread-safe: a value type, guarded by MemFS's lock.

/// What a directory entry points at.
struct DirectoryLink: Sendable, Hashable {
    /// The object named.
    var inode: Inode
    /// Its type, for `d_type`.
    var type: FileType
    /// The entry's position in listings.
    let cookie: UInt64
}

/// The names in one directory, in insertion order, with stable cookies.
struct DirectoryContents: Sendable {
    /// The cookie of `.`.
    static let dotCookie: UInt64 = 1
    /// The cookie of `..`.
    static let dotDotCookie: UInt64 = 2

    /// The directory's parent (itself for the root).
    var parent: Inode
    private var index: [FileName: DirectoryLink] = [:]
    private var order: [(cookie: UInt64, name: FileName)] = []
    /// The cookie the next name will get.
    private(set) var nextCookie: UInt64 = 3

    /// An empty directory inside `parent`.
    init(parent: Inode) { self.parent = parent }

    /// A directory inside `parent` holding `entries` (in increasing cookie order, as `entries(after: 0)` lists
    /// them) whose next name gets `nextCookie`; nil when the cookies are out of order, repeat a name or would
    /// repeat the cookie of `.` or `..`.
    init?(parent: Inode, entries: [(name: FileName, link: DirectoryLink)], nextCookie: UInt64) {
        guard nextCookie > Self.dotDotCookie else { return nil }
        self.parent = parent
        self.nextCookie = nextCookie
        var previous = Self.dotDotCookie
        for (name, link) in entries {
            guard link.cookie > previous, link.cookie < nextCookie, index.updateValue(link, forKey: name) == nil else {
                return nil
            }
            order.append((link.cookie, name))
            previous = link.cookie
        }
    }

    /// The number of names (without `.` and `..`).
    var count: Int { index.count }
    /// True when the directory holds no names.
    var isEmpty: Bool { index.isEmpty }

    /// The entry called `name`, if any.
    subscript(name: FileName) -> DirectoryLink? { index[name] }

    /// Adds `name`, which must not exist yet, at the end of the listing order.
    mutating func insert(_ name: FileName, inode: Inode, type: FileType) {
        let cookie = nextCookie
        nextCookie += 1
        index[name] = DirectoryLink(inode: inode, type: type, cookie: cookie)
        order.append((cookie, name))
    }

    /// Points the existing entry `name` at another object, keeping its place in the listing.
    mutating func repoint(_ name: FileName, to inode: Inode, type: FileType) {
        guard let link = index[name] else { return }
        index[name] = DirectoryLink(inode: inode, type: type, cookie: link.cookie)
    }

    /// Removes `name`, returning what it pointed at.
    @discardableResult
    mutating func remove(_ name: FileName) -> DirectoryLink? {
        guard let link = index.removeValue(forKey: name) else { return nil }
        if order.count > 64, order.count > 2 * index.count {
            order.removeAll { index[$0.name]?.cookie != $0.cookie }
        }
        return link
    }

    /// The live entries whose cookie is greater than `cookie`, in cookie order.
    func entries(after cookie: UInt64) -> some Sequence<(name: FileName, link: DirectoryLink)> {
        order[firstPosition(after: cookie)...].lazy.compactMap { slot in
            index[slot.name].flatMap { $0.cookie == slot.cookie ? (slot.name, $0) : nil }
        }
    }

    /// Binary search: the position of the first slot whose cookie is greater than `cookie`.
    private func firstPosition(after cookie: UInt64) -> Int {
        var low = 0, high = order.count
        while low < high {
            let middle = (low + high) / 2
            if order[middle].cookie <= cookie { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
