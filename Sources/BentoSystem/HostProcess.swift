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
}
