import BentoKit
import BentoServices
import Synchronization
import XV6FS

// provfs's provenance layer: turns what xv6fs tells its operation log into `ProvenanceRecord`s.
//
// Who: a request's pid names the calling thread. Its process's identity (process id, parent, job, executable,
// command line) is read from the `ProcessDirectory` at first sight and kept; it is checked again (the
// executable only, a cheap readlink on the host) when older than `recheckInterval`, and read anew when the
// executable changed (an exec). A `process` record goes into the log before the first record that names the
// process on this mount, and again after an exec, so the log explains its own pids.
// Reads and writes are summarised per open file: a `write` record at the first write (in that write's
// transaction: a durable write always has its record), a `close` record at release with the totals and the
// offsets of the first read and first write. The opener's identity is taken at open, since a release often
// comes from the kernel (pid 0) after the process is gone.
// Memory: one entry per open file, and one per thread seen, trimmed to those seen in the last minute once
// there are more than `threadLimit`.

/// provfs's `OperationLog`: provenance records for every change, read and write an xv6fs image sees.
public final class ProvenanceRecorder: OperationLog {
    /// How long a thread's identity is trusted before its executable is checked again.
    public static let recheckInterval: Int64 = 1_000_000  // 1 ms, in nanoseconds
    /// Threads remembered before old ones are dropped.
    static let threadLimit = 4096

    private let processes: any ProcessDirectory
    private let clock: any BentoKit.Clock
    private let state = Mutex(State())

    /// The log as text for `ProvFS.reportTopic` (`ProvenanceLog.jsonLines`); `ENOSYS` for other topics.
    public func report(_ topic: String, records: [[UInt8]], damage: String?) throws(Errno) -> String {
        guard topic == ProvFS.reportTopic else { throw .noFunction }
        return ProvenanceLog(payloads: records, damage: damage).jsonLines
    }

    /// What the recorder remembers between records.
    private struct State {
        var threads: [UInt32: Thread] = [:]
        var files: [FileHandle: OpenFile] = [:]
    }

    /// A thread seen in a request.
    private struct Thread {
        /// Its process, nil when the directory could not say.
        var identity: ProcessIdentity?
        /// When the identity was last checked (nanoseconds).
        var checked: Int64
        /// Whether the log has a `process` record for this identity on this mount.
        var recorded = false
    }

    /// An open file's summary until it closes.
    private struct OpenFile {
        var inode: Inode
        var thread: UInt32
        var uid: UInt32, gid: UInt32
        var bytesRead: UInt64 = 0, bytesWritten: UInt64 = 0
        var firstRead: UInt64?, firstWrite: UInt64?
    }

    /// A recorder asking `processes` who callers are and `clock` for the time.
    public init(processes: any ProcessDirectory = HostProcessDirectory(), clock: any BentoKit.Clock = SystemClock()) {
        self.processes = processes
        self.clock = clock
    }

    public func records(_ operation: Operation, by request: Request) -> [[UInt8]] {
        let now = clock.now()
        switch operation {
        case .opened(let inode, let handle, _):
            _ = identify(request.pid, at: now, recording: false)
            state.withLock { $0.files[handle] = OpenFile(inode: inode, thread: request.pid, uid: request.uid.rawValue, gid: request.gid.rawValue) }
            return []
        case .read(let inode, let handle, let offset, let count):
            state.withLock { state in
                var file = state.files[handle] ?? OpenFile(inode: inode, thread: request.pid, uid: request.uid.rawValue, gid: request.gid.rawValue)
                if file.firstRead == nil { file.firstRead = offset }
                file.bytesRead += UInt64(count)
                state.files[handle] = file
            }
            return []
        case .wrote(let inode, let handle, let offset, let count):
            let (first, file) = state.withLock { state -> (Bool, OpenFile) in
                var file = state.files[handle] ?? OpenFile(inode: inode, thread: request.pid, uid: request.uid.rawValue, gid: request.gid.rawValue)
                let first = file.firstWrite == nil
                if first { file.firstWrite = offset }
                file.bytesWritten += UInt64(count)
                state.files[handle] = file
                return (first, file)
            }
            guard first else { return [] }
            // A write the kernel makes on its own (written-back pages: pid 0) is the opener's.
            let thread = request.pid != 0 ? request.pid : file.thread
            return make(.write, inode: inode.rawValue, thread: thread, uid: file.uid, gid: file.gid, at: now) { record in
                record.offset = offset
                record.length = UInt64(count)
            }
        case .released(_, let handle):
            guard let file = state.withLock({ $0.files.removeValue(forKey: handle) }),
                  file.bytesRead > 0 || file.bytesWritten > 0 else { return [] }
            return make(.close, inode: file.inode.rawValue, thread: file.thread, uid: file.uid, gid: file.gid, at: now) { record in
                record.bytesRead = file.bytesRead
                record.bytesWritten = file.bytesWritten
                record.firstRead = file.firstRead
                record.firstWrite = file.firstWrite
            }
        default:
            return change(operation, by: request, at: now)
        }
    }

    /// The record of a change to names or attributes.
    private func change(_ operation: Operation, by request: Request, at now: Timestamp) -> [[UInt8]] {
        switch operation {
        case .made(let parent, let name, let inode, let type):
            return make(.create, inode: inode, by: request, at: now) { record in
                record.type = Self.typeNames[type]
                record.parent = parent.rawValue
                record.name = name?.description
            }
        case .linked(let inode, let parent, let name):
            return make(.link, inode: inode, by: request, at: now) { record in
                record.parent = parent.rawValue
                record.name = name.description
            }
        case .removed(let parent, let name, let inode, let isLast):
            return make(.unlink, inode: inode, by: request, at: now) { record in
                record.parent = parent.rawValue
                record.name = name.description
                record.last = isLast
            }
        case .renamed(let parent, let name, let newParent, let newName, let inode, let replaced, let exchanged):
            return make(.rename, inode: inode, by: request, at: now) { record in
                record.parent = parent.rawValue
                record.name = name.description
                record.newParent = newParent.rawValue
                record.newName = newName.description
                record.replaced = replaced?.rawValue
                record.exchanged = exchanged ? true : nil
            }
        case .attributesChanged(let inode, let changes):
            return make(.setattr, inode: inode, by: request, at: now) { record in
                record.size = changes.size
                record.mode = changes.mode.map { $0.permissions }
                record.newUID = changes.uid?.rawValue
                record.newGID = changes.gid?.rawValue
                let times = (changes.accessTime == nil ? [] : ["atime"]) + (changes.modificationTime == nil ? [] : ["mtime"])
                record.times = times.isEmpty ? nil : times
            }
        case .xattrChanged(let inode, let name, let removed):
            return make(removed ? .removexattr : .setxattr, inode: inode, by: request, at: now) { record in
                record.attribute = name.description
            }
        case .allocated(let inode, let offset, let length, let mode):
            return make(.fallocate, inode: inode, by: request, at: now) { record in
                record.offset = offset
                record.length = length
                record.flags = UInt32(truncatingIfNeeded: mode.rawValue)
            }
        case .flagsChanged(let inode, let flags):
            return make(.chattr, inode: inode, by: request, at: now) { record in
                record.flags = flags.rawValue
            }
        case .opened, .read, .wrote, .released:
            return []
        }
    }

    /// The names `create` records give types (`FileType`'s own: static strings, no formatting per record).
    static let typeNames: [FileType: String] = Dictionary(uniqueKeysWithValues: FileType.allCases.map { ($0, "\($0)") })

    /// A record of `kind` on `inode` by `request`'s process, after that process's record when the log lacks it.
    private func make(_ kind: ProvenanceRecord.Kind, inode: Inode, by request: Request, at now: Timestamp,
                      _ fill: (inout ProvenanceRecord) -> Void) -> [[UInt8]] {
        make(kind, inode: inode.rawValue, thread: request.pid, uid: request.uid.rawValue, gid: request.gid.rawValue, at: now, fill)
    }

    private func make(_ kind: ProvenanceRecord.Kind, inode: UInt64, thread: UInt32, uid: UInt32, gid: UInt32, at now: Timestamp,
                      _ fill: (inout ProvenanceRecord) -> Void) -> [[UInt8]] {
        let (identity, unrecorded) = identify(thread, at: now, recording: true)
        var payloads: [[UInt8]] = []
        if unrecorded, let identity {
            var process = ProvenanceRecord(kind: .process, time: now, pid: identity.pid, uid: uid, gid: gid)
            process.parentPid = identity.parentPid
            process.processGroup = identity.group == 0 ? nil : identity.group
            process.executable = identity.executable
            process.commandLine = identity.commandLine
            payloads.append(process.encoded)
        }
        var record = ProvenanceRecord(kind: kind, time: now, pid: identity?.pid ?? thread, uid: uid, gid: gid, inode: inode)
        fill(&record)
        payloads.append(record.encoded)
        return payloads
    }

    /// The identity of thread `thread`'s process (nil when unknown), and whether the log still needs its `process`
    /// record; when `recording`, the caller writes that record and the thread counts as recorded from now on.
    private func identify(_ thread: UInt32, at now: Timestamp, recording: Bool) -> (ProcessIdentity?, Bool) {
        guard thread != 0 else { return (nil, false) }
        let nanoseconds = now.seconds &* 1_000_000_000 &+ Int64(now.nanoseconds)
        var current: Thread
        // Still the same program: checked lately, or its executable unchanged (or unreadable: gone, so not exec'd).
        if let known = state.withLock({ $0.threads[thread] }),
           nanoseconds - known.checked < Self.recheckInterval
            || known.identity.map({ identity in processes.executable(of: thread).map { $0 == identity.executable } ?? true }) == true {
            current = known
            if nanoseconds - known.checked >= Self.recheckInterval { current.checked = nanoseconds }
        } else {
            current = Thread(identity: processes.identity(of: thread), checked: nanoseconds)
        }
        let unrecorded = !current.recorded && current.identity != nil
        if recording { current.recorded = current.recorded || unrecorded }
        let stored = current
        state.withLock { state in
            if state.threads.count > Self.threadLimit {
                state.threads = state.threads.filter { nanoseconds - $0.value.checked < 60_000_000_000 }
            }
            state.threads[thread] = stored
        }
        return (stored.identity, unrecorded)
    }
}
