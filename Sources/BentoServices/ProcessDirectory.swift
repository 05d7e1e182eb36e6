import BentoSystem
import Synchronization

// Who made a request, beyond its uid and pid: the process's executable, command line, parent and job, which a
// provenance file system records with every change (issue 12). A host service behind a protocol, so that
// file-system code stays free of system calls and in-process tests give the answers themselves.

/// A process as provenance records it.
public struct ProcessIdentity: Sendable, Hashable {
    /// The process id (the thread group's: a request's pid names the calling thread).
    public var pid: UInt32
    /// The parent process's id (0 when unknown).
    public var parentPid: UInt32
    /// Its process group: the shell's job it belongs to (0 when unknown).
    public var group: UInt32
    /// When it started (clock ticks since boot; 0 when unknown): a reused pid starts later.
    public var started: UInt64
    /// The path of its executable.
    public var executable: String
    /// Its arguments, the program's name first.
    public var commandLine: [String]

    /// A process's identity.
    public init(pid: UInt32, parentPid: UInt32 = 0, group: UInt32 = 0, started: UInt64 = 0, executable: String,
                commandLine: [String]) {
        self.pid = pid
        self.parentPid = parentPid
        self.group = group
        self.started = started
        self.executable = executable
        self.commandLine = commandLine
    }
}

/// Tells who process `pid` is, or nil when it cannot (gone, or pid 0: a request the kernel makes on its own).
public protocol ProcessDirectory: Sendable {
    /// The identity of the process thread `pid` belongs to, as of now.
    func identity(of pid: UInt32) -> ProcessIdentity?
    /// Only the executable and start time of thread `pid`'s process, as of now: the cheap check that it is the
    /// same process as when its identity was read (a new start time: the pid was reused) running the same program
    /// (a new executable: it exec'd).
    func stamp(of pid: UInt32) -> ProcessStamp?
}

/// What tells one process apart from another with the same pid, and one program it runs from the next.
public struct ProcessStamp: Sendable, Hashable {
    public var executable: String
    public var started: UInt64

    /// A stamp.
    public init(executable: String, started: UInt64) {
        self.executable = executable
        self.started = started
    }
}

extension ProcessIdentity {
    /// Its stamp.
    public var stamp: ProcessStamp { ProcessStamp(executable: executable, started: started) }
}

/// The processes of this machine, read from `/proc/PID/{status,stat,exe,cmdline}` at each call (a pid can be reused
/// as soon as its process is gone, so nothing is cached here; the caller decides how long an answer holds).
public final class HostProcessDirectory: ProcessDirectory {
    /// Threads whose stamp was read, each with its open `/proc/TID/comm` and the name it read there: while a
    /// `pread` of that file gives the same name, the thread is the same one running the same program (a dead
    /// thread's file fails, whatever its pid names now; an exec changes the name), so the stamp holds without the
    /// readlink and the read of `stat` (43 µs together on a 2-core VM, against one system call). At most
    /// `watchedLimit` threads are watched (a descriptor each); beyond that, stamps are read in full.
    private let watched = Mutex<[UInt32: Watch]>([:])
    static let watchedLimit = 256

    private struct Watch: Sendable {
        let file: HostDescriptor
        let name: [UInt8]
        let stamp: ProcessStamp
    }

    /// The machine's processes.
    public init() {}

    public func identity(of pid: UInt32) -> ProcessIdentity? {
        guard let (process, parent, group, started) = HostProcess.lineage(of: pid),
              let executable = HostProcess.executable(of: pid), let commandLine = HostProcess.commandLine(of: pid) else {
            return nil
        }
        return ProcessIdentity(pid: process, parentPid: parent, group: group, started: started, executable: executable,
                               commandLine: commandLine)
    }

    public func stamp(of pid: UInt32) -> ProcessStamp? {
        if let watch = watched.withLock({ $0[pid] }) {
            if let name = try? watch.file.read(at: 0, count: 64), name == watch.name { return watch.stamp }
            watched.withLock { $0[pid] = nil }  // gone, its pid reused, or an exec: read it in full
        }
        // The name first: an exec between the two reads then shows as a changed name at the next check.
        let file = HostProcess.nameFile(of: pid)
        let name = try? file?.read(at: 0, count: 64)
        guard let executable = HostProcess.executable(of: pid), let started = HostProcess.startTime(of: pid) else { return nil }
        let stamp = ProcessStamp(executable: executable, started: started)
        if let file, let name {
            watched.withLock { table in
                if table.count >= Self.watchedLimit { table.removeAll() }
                table[pid] = Watch(file: file, name: name, stamp: stamp)
            }
        }
        return stamp
    }
}

/// Processes a test makes up: in-process runs have no kernel to say who called.
public final class SimulatedProcessDirectory: ProcessDirectory {
    private let processes = Mutex<[UInt32: ProcessIdentity]>([:])

    /// A directory with no process in it.
    public init() {}

    /// Makes `identity` the answer for its pid (replacing an earlier one: a pid reused, or an exec).
    public func add(_ identity: ProcessIdentity) { processes.withLock { $0[identity.pid] = identity } }

    /// Forgets process `pid` (it exited).
    public func remove(_ pid: UInt32) { processes.withLock { $0[pid] = nil } }

    public func identity(of pid: UInt32) -> ProcessIdentity? { processes.withLock { $0[pid] } }

    public func stamp(of pid: UInt32) -> ProcessStamp? { identity(of: pid)?.stamp }
}
