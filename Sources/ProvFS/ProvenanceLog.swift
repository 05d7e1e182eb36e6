import BentoKit
import Foundation
import XV6FS

/// A provenance log as read: its records, oldest first, and what could not be read.
///
/// As text (what the daemon's control socket answers for `ProvFS.reportTopic`, and what `bento prov` reads back)
/// it is one JSON object per record per line, then `# ` lines for what is wrong: records that do not decode,
/// and damage that ended the readable log early.
public struct ProvenanceLog: Sendable, Hashable {
    /// The records that decoded.
    public var records: [ProvenanceRecord]
    /// Payloads that did not decode (a damaged or unknown record), skipped.
    public var undecodable: Int
    /// Why the log's readable part ends before its end, if it does.
    public var damage: String?

    /// A log of `records`.
    public init(records: [ProvenanceRecord], undecodable: Int = 0, damage: String? = nil) {
        self.records = records
        self.undecodable = undecodable
        self.damage = damage
    }

    /// The log of the payloads an image's operation log holds.
    public init(payloads: [[UInt8]], damage: String?) {
        var records: [ProvenanceRecord] = []
        var undecodable = 0
        for payload in payloads {
            if let record = try? ProvenanceRecord(decoding: payload) { records.append(record) } else { undecodable += 1 }
        }
        self.init(records: records, undecodable: undecodable, damage: damage)
    }

    /// The log of provfs mount `fileSystem`, read in this process (no text in between: what `bento prov` on an image
    /// and the crash explorer's audit read); `ENOSYS` when it keeps none.
    public init(of fileSystem: XV6FS) throws(Errno) {
        let (payloads, damage) = try fileSystem.operationLogPayloads()
        self.init(payloads: payloads, damage: damage)
    }

    /// Problems worth telling whoever reads the log.
    public var problems: [String] {
        (undecodable > 0 ? ["\(undecodable) record(s) could not be decoded and were skipped"] : [])
            + (damage.map { ["the log is damaged: \($0); later records are lost"] } ?? [])
    }

    /// The log as JSON lines (keys sorted), then its problems as `# ` lines.
    public var jsonLines: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var text = ""
        for record in records {
            guard let data = try? encoder.encode(record) else { continue }
            text += String(decoding: data, as: UTF8.self) + "\n"
        }
        return text + problems.map { "# \($0)\n" }.joined()
    }

    /// Reads `jsonLines` back; a line that is neither a record nor a `# ` note is an error naming it.
    public init(jsonLines text: String) throws(ProvenanceError) {
        let decoder = JSONDecoder()
        var log = ProvenanceLog(records: [])
        var notes: [String] = []
        for (number, line) in text.split(separator: "\n").enumerated() where !line.isEmpty {
            if line.hasPrefix("# ") {
                notes.append(String(line.dropFirst(2)))
                continue
            }
            do { log.records.append(try decoder.decode(ProvenanceRecord.self, from: Data(line.utf8))) } catch {
                throw ProvenanceError("line \(number + 1) of the log is not a provenance record: \(line.prefix(80))")
            }
        }
        log.damage = notes.isEmpty ? nil : notes.joined(separator: "; ")
        self = log
    }
}

/// Why a provenance question cannot be answered, in words for the user.
public struct ProvenanceError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
