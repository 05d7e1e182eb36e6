import BentoKit
import BentoServices
import Synchronization
import XV6FS

// provfs's provenance layer: turns what xv6fs tells its operation log into `ProvenanceRecord`s.
//
// Who: a request's pid names the calling thread. Its process's identity (process id, parent, job, start time,
// executable, command line) is read from the `ProcessDirectory` at first sight and kept; it is checked again (its
// stamp only: the executable and the start time, a readlink and a short read on the host) when older than
// `recheckInterval`, and read anew when the stamp changed: an exec, or the pid reused by a new process. A
// `process` record goes into the log before the first record that names the process on this mount, and again
// for each new identity, so the log explains its own pids. The /proc reads happen in `prepare` and at open and
// release, never inside a change's journal handle (see `OperationLog`): there, only what is known is used.
// Reads and writes are summarised per open file: a `write` record at the first write (in that write's
// transaction: a durable write always has its record), a `close` record at release with the totals and the
// offsets of the first read and first write. The opener's identity is taken at open, since a release often
// comes from the kernel (pid 0) after the process is gone.
// Memory: one entry per open file, and one per thread seen, the half checked longest ago dropped once there are
// more than `threadLimit`. A command line is kept to `argumentLimit` bytes an argument and `commandLineLimit` in
// all, so that its record always fits.

/// provfs's `OperationLog`: provenance records for every change, read and write an xv6fs image sees.
public final class ProvenanceRecorder: OperationLog {
    /// How long a thread's identity is trusted before its stamp is checked again.
    public static let recheckInterval: Int64 = 1_000_000  // 1 ms, in nanoseconds
    /// Threads remembered before old ones are dropped.
    static let threadLimit = 4096
    /// Bytes of one argument, and of the whole command line, a process record keeps.
    static let argumentLimit = 1024, commandLineLimit = 8192

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
        /// The opener as it was at open.
        var opener: ProcessIdentity?
        var uid: UInt32, gid: UInt32
        var bytesRead: UInt64 = 0, bytesWritten: UInt64 = 0
        var firstRead: UInt64?, firstWrite: UInt64?

        /// The summary of a file `request` opens (or, after an upgrade, is first seen using).
        init(inode: Inode, request: Request, opener: ProcessIdentity? = nil) {
            self.inode = inode
            thread = request.pid
            self.opener = opener
            (uid, gid) = (request.uid.rawValue, request.gid.rawValue)
        }
    }

    /// Runs `body` on the summary of `handle` (begun for `inode` and `request` if the recorder has none: a file
    /// opened before an upgrade), and returns what it returned with the summary as left.
    private func summarise<Result>(_ handle: FileHandle, _ inode: Inode, _ request: Request,
                                   _ body: (inout OpenFile) -> Result) -> (Result, OpenFile) {
        state.withLock { state in
            var file = state.files[handle] ?? OpenFile(inode: inode, request: request)
            let result = body(&file)
            state.files[handle] = file
            return (result, file)
        }
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
            let opener = refresh(request.pid, at: now)
            state.withLock { $0.files[handle] = OpenFile(inode: inode, request: request, opener: opener) }
            return []
        case .read(let inode, let handle, let offset, let count):
            _ = summarise(handle, inode, request) { file in
                if file.firstRead == nil { file.firstRead = offset }
                file.bytesRead += UInt64(count)
            }
            return []
        case .wrote(let inode, let handle, let offset, let count):
            let (first, file) = summarise(handle, inode, request) { file -> Bool in
                let first = file.firstWrite == nil
                if first { file.firstWrite = offset }
                file.bytesWritten += UInt64(count)
                return first
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
            _ = refresh(file.thread, at: now)  // outside any handle: the opener's thread may be looked at again
            return make(.close, inode: file.inode.rawValue, thread: file.thread, opener: file.opener, uid: file.uid,
                        gid: file.gid, at: now) { record in
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
        case .renamed(let parent, let name, let newParent, let newName, let inode, let replaced, let exchanged, let gone):
            return make(.rename, inode: inode, by: request, at: now) { record in
                record.parent = parent.rawValue
                record.name = name.description
                record.newParent = newParent.rawValue
                record.newName = newName.description
                record.replaced = replaced?.rawValue
                record.exchanged = exchanged ? true : nil
                record.last = gone ? true : nil
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

    /// A record of `kind` on `inode` by thread `thread`'s process as last seen (no /proc read: this may run inside
    /// a journal handle), after that process's record when the log lacks it. With `opener` (a release), the
    /// process that opened the file, named again if the thread's pid now names another one.
    private func make(_ kind: ProvenanceRecord.Kind, inode: UInt64, thread: UInt32, opener: ProcessIdentity? = nil,
                      uid: UInt32, gid: UInt32, at now: Timestamp, _ fill: (inout ProvenanceRecord) -> Void) -> [[UInt8]] {
        var (identity, unrecorded) = known(thread, recording: true)
        if let opener, identity?.stamp != opener.stamp {
            (identity, unrecorded) = (opener, true)
        }
        var payloads: [[UInt8]] = []
        if unrecorded, let identity { payloads.append(Self.processRecord(identity, uid: uid, gid: gid, at: now).encoded) }
        var record = ProvenanceRecord(kind: kind, time: now, pid: identity?.pid ?? thread, uid: uid, gid: gid, inode: inode)
        fill(&record)
        payloads.append(record.encoded)
        return payloads
    }

    /// The `process` record of `identity`, its command line kept within the limits.
    static func processRecord(_ identity: ProcessIdentity, uid: UInt32, gid: UInt32, at now: Timestamp) -> ProvenanceRecord {
        var process = ProvenanceRecord(kind: .process, time: now, pid: identity.pid, uid: uid, gid: gid)
        process.parentPid = identity.parentPid
        process.processGroup = identity.group == 0 ? nil : identity.group
        process.started = identity.started == 0 ? nil : identity.started
        process.executable = String(decoding: identity.executable.utf8.prefix(argumentLimit * 4), as: UTF8.self)
        var total = 0
        var arguments: [String] = []
        for argument in identity.commandLine {
            let kept = argument.utf8.prefix(argumentLimit)
            guard total + kept.count <= commandLineLimit else { break }
            total += kept.count
            arguments.append(String(decoding: kept, as: UTF8.self))
        }
        process.commandLine = arguments
        return process
    }

    /// Lets the recorder learn who `request`'s process is before a change's journal handle.
    public func prepare(for request: Request) {
        _ = refresh(request.pid, at: clock.now())
    }

    /// The identity of thread `thread`'s process, checked against /proc when older than `recheckInterval`: read
    /// anew at first sight and when its stamp changed (an exec, or the pid reused), kept when the process is gone.
    /// Never call inside a journal handle.
    private func refresh(_ thread: UInt32, at now: Timestamp) -> ProcessIdentity? {
        guard thread != 0 else { return nil }
        let nanoseconds = now.seconds &* 1_000_000_000 &+ Int64(now.nanoseconds)
        let known = state.withLock { $0.threads[thread] }
        if let known, nanoseconds &- known.checked < Self.recheckInterval { return known.identity }
        var current: Thread
        if let known, let identity = known.identity, processes.stamp(of: thread).map({ $0 == identity.stamp }) ?? true {
            current = known  // the same process and program, or gone (so not changed)
            current.checked = nanoseconds
        } else {
            current = Thread(identity: processes.identity(of: thread), checked: nanoseconds)
        }
        let stored = current
        state.withLock { state in
            if state.threads.count >= Self.threadLimit, state.threads[thread] == nil {
                // Drop the half checked longest ago.
                let kept = state.threads.sorted { $0.value.checked > $1.value.checked }.prefix(Self.threadLimit / 2)
                state.threads = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
            }
            state.threads[thread] = stored
        }
        return stored.identity
    }

    /// What is known of thread `thread`'s process, without /proc: its identity, and whether the log still needs
    /// its `process` record (when `recording`, the caller writes it, and the thread counts as recorded).
    private func known(_ thread: UInt32, recording: Bool) -> (ProcessIdentity?, Bool) {
        guard thread != 0 else { return (nil, false) }
        return state.withLock { state -> (ProcessIdentity?, Bool) in
            guard var entry = state.threads[thread], let identity = entry.identity else { return (nil, false) }
            let unrecorded = !entry.recorded
            if recording, unrecorded {
                entry.recorded = true
                state.threads[thread] = entry
            }
            return (identity, unrecorded)
        }
    }
}
