import ArgumentParser
import BentoHost
import Foundation

/// `bento status`: lists the live mounts of every Bento daemon on this machine.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: """
            List live mounts: mount point, type, version, daemon pid, uptime, transport (uring, dev, or dev(auto) \
            when the default transport=auto could not use FUSE over io_uring; the daemon logged why) and state (rw, \
            ro, or ro(error) once the file system stopped taking changes after an error, as ext4's errors=remount-ro).
            """)

    func run() throws {
        var rows: [[String]] = []
        let now = Date().timeIntervalSince1970
        for path in ControlServer.socketPaths() {
            let answer: String
            do {
                answer = try ControlServer.send("status", to: path)
            } catch {
                if error == .connectionRefused { try? FileManager.default.removeItem(atPath: path) }  // its daemon is gone
                continue
            }
            for line in answer.split(separator: "\n") {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard fields.count >= 5, let started = Double(fields[4]) else { continue }
                let transport = fields.count > 6 ? fields[6] : "-"  // a daemon from before the field
                let state = fields.count > 7 ? fields[7] : "-"
                rows.append([fields[0], fields[1], fields[2], fields[3], Self.uptime(now - started), transport, state])
            }
        }
        print(Self.table([["MOUNTPOINT", "TYPE", "VERSION", "PID", "UPTIME", "TRANSPORT", "STATE"]] + rows.sorted { $0[0] < $1[0] }))
    }

    /// `1h02m03s` style.
    static func uptime(_ seconds: Double) -> String {
        let total = max(0, Int(seconds))
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0 ? "\(hours)h\(String(format: "%02d", minutes))m\(String(format: "%02d", secs))s"
            : minutes > 0 ? "\(minutes)m\(String(format: "%02d", secs))s" : "\(secs)s"
    }

    /// Left-aligned columns separated by two spaces.
    static func table(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
