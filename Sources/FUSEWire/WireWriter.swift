import BentoKit

/// Builds reply bytes: little-endian integers and the `fuse.h` structs Bento sends, appended in order.
struct WireWriter {
    /// The bytes written so far.
    private(set) var bytes: [UInt8] = []
    /// The timeouts of entries and attributes that leave theirs unset.
    private let policy: CachePolicy

    /// A writer that expects about `capacity` bytes, filling unset cache timeouts from `policy`.
    init(capacity: Int, policy: CachePolicy = .conservative) {
        bytes.reserveCapacity(capacity)
        self.policy = policy
    }

    /// Appends a little-endian integer.
    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends raw bytes.
    mutating func append(contentsOf data: some Collection<UInt8>) { bytes.append(contentsOf: data) }

    /// Appends `count` zero bytes (padding, unused fields).
    mutating func zeros(_ count: Int) { bytes.append(contentsOf: repeatElement(0, count: count)) }

    /// Pads with zeros to the next multiple of 8 (`FUSE_REC_ALIGN`).
    mutating func alignTo8() { zeros((8 - bytes.count % 8) % 8) }

    /// `fuse_attr` (88 bytes).
    mutating func append(_ attributes: Attributes) {
        append(attributes.inode.rawValue)
        append(attributes.size)
        append(attributes.blocks)
        append(UInt64(bitPattern: attributes.accessTime.seconds))
        append(UInt64(bitPattern: attributes.modificationTime.seconds))
        append(UInt64(bitPattern: attributes.changeTime.seconds))
        append(attributes.accessTime.nanoseconds)
        append(attributes.modificationTime.nanoseconds)
        append(attributes.changeTime.nanoseconds)
        append(attributes.mode.rawValue)
        append(attributes.linkCount)
        append(attributes.uid.rawValue)
        append(attributes.gid.rawValue)
        append(attributes.device)
        append(attributes.blockSize)
        append(UInt32(0))  // flags
    }

    /// `fuse_entry_out` (128 bytes).
    mutating func append(_ entry: Entry) {
        let (entrySeconds, entryNanoseconds) = Self.validity(entry.entryTimeout ?? policy.entryTimeout)
        let (attributeSeconds, attributeNanoseconds) = Self.validity(entry.attributeTimeout ?? policy.attributeTimeout)
        append(entry.inode.rawValue)
        append(entry.generation)
        append(entrySeconds)
        append(attributeSeconds)
        append(entryNanoseconds)
        append(attributeNanoseconds)
        append(entry.attributes)
    }

    /// `fuse_attr_out` (104 bytes).
    mutating func append(_ reply: AttributesReply) {
        let (seconds, nanoseconds) = Self.validity(reply.timeout ?? policy.attributeTimeout)
        append(seconds)
        append(nanoseconds)
        append(UInt32(0))  // dummy
        append(reply.attributes)
    }

    /// `fuse_entry_out` for a name that does not exist: node id 0, cached as absent for `timeout`.
    mutating func appendNegativeEntry(timeout: Duration) {
        let (seconds, nanoseconds) = Self.validity(timeout)
        append(UInt64(0))  // nodeid
        append(UInt64(0))  // generation
        append(seconds)    // entry_valid
        append(UInt64(0))  // attr_valid
        append(nanoseconds)
        append(UInt32(0))
        zeros(WireLayout.attrSize)
    }

    /// `fuse_open_out` (16 bytes). With a backing file, `FOPEN_PASSTHROUGH` and its id, and only the options the
    /// kernel accepts beside it (`OpenOptions.passthroughCompatible`).
    mutating func append(_ reply: OpenReply, backing: BackingID? = nil) {
        append(reply.handle.rawValue)
        guard let backing else {
            append(reply.options.rawValue)
            append(Int32(0))  // backing_id: none
            return
        }
        append(reply.options.intersection(.passthroughCompatible).rawValue | passthroughOpenFlag)
        append(backing.rawValue)
    }

    /// `fuse_kstatfs` (80 bytes).
    mutating func append(_ statistics: FileSystemStatistics) {
        append(statistics.totalBlocks)
        append(statistics.freeBlocks)
        append(statistics.availableBlocks)
        append(statistics.totalInodes)
        append(statistics.freeInodes)
        append(statistics.blockSize)
        append(statistics.maximumNameLength)
        append(statistics.fragmentSize)
        zeros(4 + 6 * 4)  // padding, spare[6]
    }

    /// A cache timeout as `fuse.h`'s (seconds, nanoseconds) pair; negative durations count as zero.
    static func validity(_ duration: Duration) -> (seconds: UInt64, nanoseconds: UInt32) {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0 else { return (0, 0) }
        return (UInt64(seconds), UInt32(attoseconds / 1_000_000_000))
    }
}
