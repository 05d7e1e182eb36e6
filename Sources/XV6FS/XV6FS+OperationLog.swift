import BentoKit
import BentoServices

// The operation log seen from the operations (OperationLog.swift has the rules): opening it after the mount's
// checks, telling it what each request did, its records for `report`, its counters and warnings.

/// The operation log of a mount that has an `OperationLog`.
enum OperationLogState: Sendable {
    /// Open: records are appended.
    case open(OperationLogFile)
    /// Not usable on this mount, and why.
    case unavailable(String)
}

extension XV6FS {
    /// Opens the image's operation log (making it on a first mount with a log) when the mount has an
    /// `OperationLog`; called once the mount's own checks passed. A log that cannot be opened or made (its inode
    /// damaged, the disk full) leaves the mount serving without one, and `warnings` says why.
    func openOperationLog() {
        guard let log = options.operationLog else { return }
        do {
            guard let file = try OperationLogFile.open(log: log, table: table, allocator: allocator, map: map,
                                                       superblock: superblock, clock: clock,
                                                       readOnly: readOnly.load(ordering: .relaxed)) else { return }
            logFile.withLock { $0 = .open(file) }
        } catch {
            logFile.withLock { $0 = .unavailable("the operation log cannot be opened (\(error)): nothing is recorded on this mount") }
        }
    }

    /// The open log, if any.
    private var operationLogFile: OperationLogFile? {
        logFile.withLock { state in
            guard case .open(let file)? = state else { return nil }
            return file
        }
    }

    /// True for the log's own inode, which the kernel must never reach.
    func isOperationLog(_ object: CachedInode) -> Bool { operationLogFile?.object === object }

    /// Lets the log learn who `request`'s process is, before the change's journal handle (`OperationLog.prepare`).
    func prepareLog(for request: Request) {
        operationLogFile?.log.prepare(for: request)
    }

    /// Appends the record of a change made in `handle` (call after it succeeded, its locks held).
    func logChange(_ operation: @autoclosure () -> Operation, by request: Request, _ handle: Handle) {
        operationLogFile?.append(operation(), by: request, handle)
    }

    /// Tells the log of an open or a read, which change nothing.
    func logAccess(_ operation: @autoclosure () -> Operation, by request: Request) {
        _ = operationLogFile?.log.records(operation(), by: request)
    }

    /// Tells the log that `handle` closed, appending its record in a transaction of its own; the record of a
    /// handle that could only read changes nothing and waits for the next change's transaction instead (or a
    /// batch's own, `OperationLogFile.deferring`).
    func logRelease(of inode: Inode, handle: FileHandle, readOnly handleReadOnly: Bool, by request: Request) {
        guard let file = operationLogFile else { return }
        let payloads = file.log.records(.released(inode: inode, handle: handle), by: request)
        guard !payloads.isEmpty, !readOnly.load(ordering: .relaxed) else { return }
        if handleReadOnly, !file.deferring(payloads) { return }
        try? changing { (handle: Handle) throws(Errno) in
            file.append(handleReadOnly ? [] : payloads, handle)
        }
    }

    /// Appends the records still waiting (reads), in a transaction of their own: before a sync, an unmount, an
    /// upgrade's hand-over or a report, so that they are not lost or missed.
    func flushOperationLog() {
        guard let file = operationLogFile, file.hasDeferred, !readOnly.load(ordering: .relaxed), failure == nil else { return }
        try? changing { (handle: Handle) throws(Errno) in file.append([], handle) }
    }

    /// The operation log's records (payloads) up to now, the records of reads still waiting appended first, and
    /// the damage that ends the readable log early, if any; `ENOSYS` when this mount keeps none.
    public func operationLogPayloads() throws(Errno) -> (records: [[UInt8]], damage: String?) {
        guard let file = operationLogFile else { throw .noFunction }
        flushOperationLog()
        return try file.payloads()
    }

    /// The report `topic` of the operation log (`ENOSYS` when this mount keeps none).
    public func report(_ topic: String) throws(Errno) -> String {
        guard let file = operationLogFile else { throw .noFunction }
        let (records, damage) = try operationLogPayloads()
        return try file.log.report(topic, records: records, damage: damage)
    }

    /// The log's counters for `bento stats`: records appended and dropped on this mount, the log's size.
    var operationLogCounters: [FileSystemCounter] {
        guard let file = operationLogFile else { return [] }
        return [FileSystemCounter("log_records_appended", Int64(file.appended.load(ordering: .relaxed))),
                FileSystemCounter("log_records_dropped", Int64(file.dropped.load(ordering: .relaxed))),
                FileSystemCounter("log_bytes", Int64(clamping: file.size))]
    }

    /// Says so when the log had to drop records; the file system goes on serving.
    public var warnings: [String] {
        if case .unavailable(let why)? = logFile.withLock({ $0 }) { return [why] }
        guard let file = operationLogFile else { return [] }
        var warnings = file.damage.map { ["the operation log was damaged at its end (\($0)); new records go on from there"] } ?? []
        if file.dropped.load(ordering: .relaxed) > 0 {
            warnings.append("the operation log drops records (\(file.lastDrop.withLock { $0 } ?? "unknown reason")); "
                            + "bento stats counts them as log_records_dropped")
        }
        return warnings
    }
}
