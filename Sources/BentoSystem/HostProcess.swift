import CLinux
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Facts about the running process and its machine that the host asks for, so BentoHost needs no Glibc for them.
public enum HostProcess {
    /// Whether the process runs as root (effective uid 0): mounting with mount(2), writing kernel parameters.
    public static var isRoot: Bool { geteuid() == 0 }

    /// The machine's page size in bytes (`getpagesize`).
    public static let pageSize = Int(getpagesize())

    /// Caps the C allocator at `count` arenas (glibc's `M_ARENA_MAX`; by default it makes up to eight per core,
    /// one per thread that contends). A daemon's worker threads free what other threads allocated (buffers,
    /// replies), which leaves freed memory scattered over every arena and the resident set far above what is
    /// in use: measured on xv6fs writing 1 GiB with data=journal, 377 MiB peak with the default, 210 MiB with
    /// at most two arenas and the journal written one 2 MiB group at a time, for a 160 MiB buffer cache. Call before starting threads.
    /// Returns false if the allocator refused.
    @discardableResult
    public static func limitAllocatorArenas(to count: Int) -> Bool {
        bento_malloc_limit_arenas(CInt(clamping: count)) == 1
    }
}
