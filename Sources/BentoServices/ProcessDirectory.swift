import BentoSystem
import Synchronization

// Who made a request, beyond its uid and pid: the process's executable and command line, which a provenance file
// system records with every change (issue 12). A host service behind a protocol, so that file-system code stays
// free of system calls and in-process tests give the answers themselves.

/// A process as provenance records it.
public struct ProcessIdentity: Sendable, Hashable {
    /// The process id.
    public var pid: UInt32
    /// The path of its executable.
    public var executable: String
    /// Its arguments, the program's name first.
    public var commandLine: [String]

    /// A process's identity.
    public init(pid: UInt32, executable: String, commandLine: [String]) {
        self.pid = pid
        self.executable = executable
        self.commandLine = commandLine
    }
}

/// Tells who process `pid` is, or nil when it cannot (gone, or pid 0: a request the kernel makes on its own).
public protocol ProcessDirectory: Sendable {
    /// The identity of process `pid`, as of now.
    func identity(of pid: UInt32) -> ProcessIdentity?
}

/// The processes of this machine, read from `/proc/PID/exe` and `/proc/PID/cmdline` at each call (a pid can be
/// reused as soon as its process is gone, so nothing is cached).
public struct HostProcessDirectory: ProcessDirectory {
    /// The machine's processes.
    public init() {}

    public func identity(of pid: UInt32) -> ProcessIdentity? {
        guard let executable = HostProcess.executable(of: pid), let commandLine = HostProcess.commandLine(of: pid) else {
            return nil
        }
        return ProcessIdentity(pid: pid, executable: executable, commandLine: commandLine)
    }
}

/// Processes a test makes up: in-process runs have no kernel to say who called.
public final class SimulatedProcessDirectory: ProcessDirectory {
    private let processes = Mutex<[UInt32: ProcessIdentity]>([:])

    /// A directory with no process in it.
    public init() {}

    /// Makes `identity` the answer for its pid (replacing an earlier one: a pid reused).
    public func add(_ identity: ProcessIdentity) { processes.withLock { $0[identity.pid] = identity } }

    /// Forgets process `pid` (it exited).
    public func remove(_ pid: UInt32) { processes.withLock { $0[pid] = nil } }

    public func identity(of pid: UInt32) -> ProcessIdentity? { processes.withLock { $0[pid] } }
}
