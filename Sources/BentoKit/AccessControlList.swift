// POSIX access control lists as Linux keeps them (fs/posix_acl.c), on plain values:
// - the value of `system.posix_acl_access` and `system.posix_acl_default`: a little-endian u32 version (2), then
//   8-byte entries { u16 tag, u16 permissions, u32 id } (the id only for named users and groups, else 0xFFFFFFFF);
// - a list is valid (`posix_acl_valid`) when its entries come in tag order (owner, named users, owning group,
//   named groups, mask, other), owner, owning group and other once each, a mask exactly when a named entry is
//   there, and permissions within rwx;
// - a list of only the three base entries says nothing the mode does not ("minimal"): a file system stores none.
// With a mask, the mode's group bits are the mask; without one, the owning group's permissions.

/// A POSIX access control list: who may read, write and execute an object beyond its owner, group and others.
public struct AccessControlList: Sendable, Hashable {
    /// What an entry names.
    public enum Tag: UInt16, Sendable, Comparable {
        /// The object's owner (`ACL_USER_OBJ`).
        case owner = 0x01
        /// A named user (`ACL_USER`).
        case user = 0x02
        /// The object's group (`ACL_GROUP_OBJ`).
        case owningGroup = 0x04
        /// A named group (`ACL_GROUP`).
        case group = 0x08
        /// The most any named entry or the owning group may be granted (`ACL_MASK`).
        case mask = 0x10
        /// Everyone else (`ACL_OTHER`).
        case other = 0x20

        public static func < (lhs: Tag, rhs: Tag) -> Bool { lhs.rawValue < rhs.rawValue }

        /// Whether entries of this tag name a user or group by id.
        var isNamed: Bool { self == .user || self == .group }
    }

    /// One entry: who, and which of read (4), write (2) and execute (1).
    public struct Entry: Sendable, Hashable {
        /// Who the entry is for.
        public var tag: Tag
        /// rwx bits.
        public var permissions: UInt16
        /// The user or group id of a named entry; `undefinedID` for the others.
        public var id: UInt32

        /// An entry.
        public init(_ tag: Tag, _ permissions: UInt16, id: UInt32 = AccessControlList.undefinedID) {
            self.tag = tag
            self.permissions = permissions
            self.id = tag.isNamed ? id : AccessControlList.undefinedID
        }
    }

    /// The id stored for entries that name no one (`ACL_UNDEFINED_ID`).
    public static let undefinedID = UInt32.max
    /// The only value format Linux uses (`POSIX_ACL_XATTR_VERSION`).
    public static let version: UInt32 = 2
    /// The largest value the kernel's FUSE sends or reads back (one page).
    public static let maximumValueSize = 4096

    /// The entries, in the order they were given.
    public var entries: [Entry]

    /// A list of `entries`.
    public init(_ entries: [Entry]) { self.entries = entries }

    /// The minimal list equivalent to permission bits `permissions` (rwxrwxrwx).
    public init(permissions: UInt32) {
        entries = [Entry(.owner, UInt16(permissions >> 6 & 7)), Entry(.owningGroup, UInt16(permissions >> 3 & 7)),
                   Entry(.other, UInt16(permissions & 7))]
    }

    /// Decodes an attribute value: `EOPNOTSUPP` for another version, `EINVAL` for a length that is not whole
    /// entries or a list that is not valid. An empty list (no entries) is `EINVAL` too: there is nothing to keep.
    public init(attributeValue value: [UInt8]) throws(Errno) {
        guard value.count >= 4, value.count <= Self.maximumValueSize else { throw .invalidArgument }
        guard Self.littleEndian32(value, at: 0) == Self.version else { throw .notSupported }
        guard (value.count - 4) % 8 == 0, value.count > 4 else { throw .invalidArgument }
        var entries: [Entry] = []
        for offset in stride(from: 4, to: value.count, by: 8) {
            let rawTag = UInt16(value[offset]) | UInt16(value[offset + 1]) << 8
            guard let tag = Tag(rawValue: rawTag) else { throw .invalidArgument }
            let permissions = UInt16(value[offset + 2]) | UInt16(value[offset + 3]) << 8
            entries.append(Entry(tag, permissions, id: Self.littleEndian32(value, at: offset + 4)))
        }
        self.entries = entries
        guard isValid else { throw .invalidArgument }
    }

    /// The attribute value that stores this list.
    public var attributeValue: [UInt8] {
        var bytes = Self.littleEndianBytes(Self.version)
        for entry in entries {
            bytes += [UInt8(truncatingIfNeeded: entry.tag.rawValue), UInt8(truncatingIfNeeded: entry.tag.rawValue >> 8),
                      UInt8(truncatingIfNeeded: entry.permissions), UInt8(truncatingIfNeeded: entry.permissions >> 8)]
            bytes += Self.littleEndianBytes(entry.id)
        }
        return bytes
    }

    /// Whether Linux accepts the list (`posix_acl_valid`): tag order, each base entry once, a mask exactly when
    /// named entries need one, rwx permissions only.
    public var isValid: Bool {
        var previous: Tag?
        var counts: [Tag: Int] = [:]
        for entry in entries {
            guard entry.permissions & ~7 == 0, previous.map({ $0 <= entry.tag }) ?? true else { return false }
            previous = entry.tag
            counts[entry.tag, default: 0] += 1
        }
        let named = counts[.user, default: 0] + counts[.group, default: 0]
        let masks = counts[.mask, default: 0]
        return counts[.owner] == 1 && counts[.owningGroup] == 1 && counts[.other] == 1
            && masks <= 1 && (named == 0 || masks == 1)
    }

    /// True when the list holds only the owner, owning-group and other entries: the mode says it all.
    public var isMinimal: Bool { entries.allSatisfy { !$0.tag.isNamed && $0.tag != .mask } }

    /// The permission bits (rwxrwxrwx) the mode shows for this list: owner, the mask (or owning group), other.
    public var permissionBits: UInt32 {
        let group = entries.first { $0.tag == .mask } ?? entries.first { $0.tag == .owningGroup }
        return UInt32(permissions(of: .owner)) << 6 | UInt32(group?.permissions ?? 0) << 3 | UInt32(permissions(of: .other))
    }

    /// The list after a chmod to `permissions` (`posix_acl_chmod`): owner and other take the mode's bits, and
    /// the group bits go to the mask, or to the owning group when there is no mask. Named entries stay.
    public func changingMode(to permissions: UInt32) -> AccessControlList {
        combiningBaseEntries(with: permissions) { _, bits in bits }
    }

    /// The access list a new object gets from its directory's default list (this one) when it is made with
    /// permission bits `permissions` (`posix_acl_create`): owner, other and the mask (or owning group) keep only
    /// what `permissions` allows. Returns it with the mode bits it implies.
    public func seeding(permissions: UInt32) -> (list: AccessControlList, permissions: UInt32) {
        let list = combiningBaseEntries(with: permissions, &)
        return (list, permissions & ~0o777 | list.permissionBits)
    }

    /// The list with the owner, mask (or, without a mask, owning group) and other entries set to `combine` of
    /// their permissions and the matching rwx bits of `permissions`; named entries stay.
    private func combiningBaseEntries(with permissions: UInt32,
                                      _ combine: (UInt16, UInt16) -> UInt16) -> AccessControlList {
        let hasMask = entries.contains { $0.tag == .mask }
        var result = self
        for index in result.entries.indices {
            let shift: UInt32? = switch result.entries[index].tag {
            case .owner: 6
            case .mask: 3
            case .owningGroup where !hasMask: 3
            case .other: 0
            default: nil
            }
            guard let shift else { continue }
            result.entries[index].permissions = combine(result.entries[index].permissions, UInt16(permissions >> shift & 7))
        }
        return result
    }

    /// Whether the list lets `request`'s caller, who is neither the owner nor root, do `mask` to an object of
    /// group `group` (`posix_acl_permission`): a named-user entry for the caller decides (within the mask);
    /// else any group entry the caller belongs to that allows it all (within the mask); else, if the caller is
    /// in no group of the list, the other entry.
    public func grants(_ mask: AccessMask, to request: Request, objectGroup group: GroupID) -> Bool {
        let wanted = UInt16(mask.rawValue & 7)
        let limit = entries.first { $0.tag == .mask }?.permissions ?? 7
        if let user = entries.first(where: { $0.tag == .user && $0.id == request.uid.rawValue }) {
            return user.permissions & limit & wanted == wanted
        }
        var inAGroup = false
        for entry in entries {
            let member = switch entry.tag {
            case .owningGroup: request.isMember(of: group)
            case .group: request.isMember(of: GroupID(entry.id))
            default: false
            }
            guard member else { continue }
            inAGroup = true
            if entry.permissions & wanted == wanted { return entry.permissions & limit & wanted == wanted }
        }
        return !inAGroup && permissions(of: .other) & wanted == wanted
    }

    /// The permissions of the first entry tagged `tag` (0 when there is none).
    private func permissions(of tag: Tag) -> UInt16 { entries.first { $0.tag == tag }?.permissions ?? 0 }

    private static func littleEndian32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    private static func littleEndianBytes(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}
