/// One of a file system's own counters, shown by `bento stats` after the host's request counters: a cache's
/// size, its capacity, evictions so far. Names are lower_snake_case and stable (scripts read them).
public struct FileSystemCounter: Sendable, Hashable {
    /// The counter's name (`inodes_cached`).
    public var name: String
    /// Its value now.
    public var value: Int64

    /// A counter named `name` with `value`.
    public init(_ name: String, _ value: Int64) {
        self.name = name
        self.value = value
    }
}
