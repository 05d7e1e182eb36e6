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
    /// The path of its executable.
    public var executable: String
    /// Its arguments, the program's name first.
    public var commandLine: [String]

    /// A process's identity.
    public init(pid: UInt32, parentPid: UInt32 = 0, group: UInt32 = 0, executable: String, commandLine: [String]) {
        self.pid = pid
        self.parentPid = parentPid
        self.group = group
        self.executable = executable
        self.commandLine = commandLine
    }
}

/// Tells who process `pid` is, or nil when it cannot (gone, or pid 0: a request the kernel makes on its own).
public protocol ProcessDirectory: Sendable {
    /// The identity of the process thread `pid` belongs to, as of now.
    func identity(of pid: UInt32) -> ProcessIdentity?
    /// Only the executable of thread `pid`'s process, as of now: the cheap check that it has not exec'd since
    /// its identity was read.
    func executable(of pid: UInt32) -> String?
}

/// The processes of this machine, read from `/proc/PID/{status,stat,exe,cmdline}` at each call (a pid can be reused
/// as soon as its process is gone, so nothing is cached here; the caller decides how long an answer holds).
public struct HostProcessDirectory: ProcessDirectory {
    /// The machine's processes.
    public init() {}

    public func identity(of pid: UInt32) -> ProcessIdentity? {
        guard let (process, parent, group) = HostProcess.lineage(of: pid), let executable = HostProcess.executable(of: pid),
              let commandLine = HostProcess.commandLine(of: pid) else {
            return nil
        }
        return ProcessIdentity(pid: process, parentPid: parent, group: group, executable: executable, commandLine: commandLine)
    }

    public func executable(of pid: UInt32) -> String? { HostProcess.executable(of: pid) }
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

    public func executable(of pid: UInt32) -> String? { identity(of: pid)?.executable }
}
