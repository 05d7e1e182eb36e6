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

    /// The process's effective user id.
    public static var effectiveUserID: UInt32 { geteuid() }

    /// Whether `descriptor` is a terminal (`isatty`).
    public static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

    /// The real user id (`getuid`): who started the process.
    public static var userID: UInt32 { getuid() }

    /// The real group id (`getgid`).
    public static var groupID: UInt32 { getgid() }

    /// The supplementary groups of process `pid` (the `Groups:` line of `/proc/PID/status`), nil when it cannot be
    /// read (the process is gone, or `pid` is 0 as in requests the kernel makes on its own).
    public static func supplementaryGroups(of pid: UInt32) -> [UInt32]? {
        statusField("Groups", of: pid)?.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { UInt32($0) }
    }

    /// The process a thread `pid` belongs to, that process's parent, its process group and when it started (the
    /// `Tgid:` and `PPid:` lines of `/proc/PID/status`, fields 5 and 22 of `/proc/PID/stat`; a request's pid is the
    /// calling thread's), nil when they cannot be read.
    public static func lineage(of pid: UInt32) -> (process: UInt32, parent: UInt32, group: UInt32, started: UInt64)? {
        func number(_ name: String, in status: String) -> UInt32? {
            field(name, in: status)?.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { UInt32($0) }
        }
        guard let status = status(of: pid), let process = number("Tgid", in: status), let parent = number("PPid", in: status),
              let stat = statFields(of: pid), let group = UInt32(stat[2]), let started = UInt64(stat[19]) else { return nil }
        return (process, parent, group, started)
    }

    /// When thread `pid` started, in clock ticks since boot (`/proc/PID/stat`'s 22nd field): with the pid, it names
    /// one process for good, since a pid is reused only by a process that starts later. Nil when it cannot be read.
    public static func startTime(of pid: UInt32) -> UInt64? {
        // Read as bytes, not split into strings: provfs asks this of a busy writer every millisecond.
        guard pid != 0, let file = try? HostDescriptor(opening: "/proc/\(pid)/stat", flags: O_RDONLY | O_CLOEXEC),
              let stat = try? file.read(at: 0, count: 1024), let end = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        var field = -1, value: UInt64 = 0, digits = 0
        for byte in stat[(end + 1)...] {
            if byte == UInt8(ascii: " ") {
                if field == 19 { break }
                field += 1
                (value, digits) = (0, 0)
            } else if field == 19 {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 19 else { return nil }
                value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
                digits += 1
            }
        }
        return field == 19 && digits > 0 ? value : nil
    }

    /// The fields of `/proc/PID/stat` after the command name (0: the state), at least the first 20; nil when it
    /// cannot be read.
    private static func statFields(of pid: UInt32) -> [String]? {
        guard pid != 0, let file = try? HostDescriptor(opening: "/proc/\(pid)/stat", flags: O_RDONLY | O_CLOEXEC),
              let stat = try? file.read(at: 0, count: 4096), let end = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = stat[(end + 1)...].split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
        return fields.count >= 20 ? fields : nil
    }

    /// The text of `/proc/PID/status`.
    private static func status(of pid: UInt32) -> String? {
        guard pid != 0, let status = try? HostDescriptor(opening: "/proc/\(pid)/status", flags: O_RDONLY | O_CLOEXEC),
              let bytes = try? status.read(at: 0, count: 16384) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The value of line `name:` of process `pid`'s status.
    private static func statusField(_ name: String, of pid: UInt32) -> Substring? {
        status(of: pid).flatMap { field(name, in: $0) }
    }

    /// The value after `name:` on its line of `status`.
    private static func field(_ name: String, in status: String) -> Substring? {
        status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") })?.dropFirst(name.count + 1)
    }

    /// An open `/proc/PID/comm` of thread `pid`, nil when it cannot be opened. Read again later (`read(at:count:)`,
    /// one system call) it gives the thread's name as it is then, which an exec changes, or fails (ESRCH) once that
    /// thread is gone, even if its pid now names another: the descriptor holds the thread, not the number.
    public static func nameFile(of pid: UInt32) -> HostDescriptor? {
        guard pid != 0 else { return nil }
        return try? HostDescriptor(opening: "/proc/\(pid)/comm", flags: O_RDONLY | O_CLOEXEC)
    }

    /// The executable of process `pid` (the target of `/proc/PID/exe`), nil when it cannot be read (the process is
    /// gone, a kernel thread, or `pid` is 0).
    public static func executable(of pid: UInt32) -> String? {
        guard pid != 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBufferPointer { space -> Int in
            guard let start = space.baseAddress else { return -1 }
            return readlink("/proc/\(pid)/exe", start, space.count)
        }
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The command line of process `pid` (`/proc/PID/cmdline`: its arguments, NUL-separated; the first 64 KiB),
    /// nil when it cannot be read, empty for a process that has none (a kernel thread, a zombie).
    public static func commandLine(of pid: UInt32) -> [String]? {
        guard pid != 0, let file = try? HostDescriptor(opening: "/proc/\(pid)/cmdline", flags: O_RDONLY | O_CLOEXEC),
              let bytes = try? file.read(at: 0, count: 65536) else { return nil }
        return bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast(bytes.last == 0 ? 1 : 0)
            .map { String(decoding: $0, as: UTF8.self) }
    }

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

    /// Makes the C allocator keep freed buffers of up to `size` bytes for reuse (glibc's `M_MMAP_THRESHOLD`, with
    /// `M_TRIM_THRESHOLD` at four times it) and grow its heap four times `size` at a time (`M_TOP_PAD`).
    /// A daemon allocates and frees a request-sized buffer (up to 1 MiB) for nearly every READ and WRITE, and
    /// glibc's defaults gave each of them fresh pages from the kernel (a mapping of its own, or heap trimmed after
    /// the free), so every 4 KiB of every request paid a page fault and a zeroing: xv6fs reading 1 GiB from the
    /// host's page cache over `/dev/fuse` took 1.0–1.2 s and 1.15–1.47 s of daemon CPU with the defaults,
    /// 0.48–0.59 s and 0.40–0.52 s with 4 MiB. A file system that keeps what it is sent (memfs storing a 1 GiB
    /// write) grew the heap 128 KiB per `brk`: the first 1 GiB write on a fresh memfs mount took 3.1 s (1.7 s of
    /// daemon system time), 1.3 s (0.8 s) growing 16 MiB at a time. Costs at most 4 × `size` of free memory kept
    /// at the top of the heap. Call before starting threads. Returns false if the allocator refused.
    @discardableResult
    public static func keepAllocatorBuffers(upTo size: Int) -> Bool {
        bento_malloc_keep_buffers(CInt(clamping: size), CInt(clamping: size * 4), CInt(clamping: size * 4)) == 1
    }

    /// Starts a new session with this process as its leader, away from the terminal of the one that started it.
    public static func startSession() { _ = setsid() }

    /// Points standard input, output and error at `/dev/null`: a daemon lets go of its starter's pipe and terminal.
    public static func detachStandardStreams() {
        let null = open("/dev/null", O_RDWR)
        guard null >= 0 else { return }
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] { dup2(null, descriptor) }
        if null > STDERR_FILENO { close(null) }
    }
}

extension HostProcess {
    /// Whether a process with id `pid` exists (`kill(pid, 0)`; one owned by another user counts).
    public static func exists(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
