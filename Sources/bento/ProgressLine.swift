import BentoSystem
import Foundation
import Synchronization

/// Progress of a long job (`bento mkfs`, `bento fsck`, `bento crashcheck`) on standard error: one line redrawn in
/// place with the share done, what the caller adds, the time so far and an estimate of the time left, at most
/// every half second, and cleared at the end so that the command's own output (crashcheck's summary) stays the
/// last line. Shown only on a terminal and without `--quiet`: nothing at all goes to a pipe or a log.
final class ProgressLine: Sendable {
    /// Whether anything is drawn: standard error is a terminal and `--quiet` was not given.
    let isShown: Bool
    private let label: String
    private let start = ContinuousClock.now
    private let lastDrawn = Mutex<ContinuousClock.Instant?>(nil)

    /// A progress line headed `label`, drawn unless `quiet` or standard error is not a terminal.
    init(label: String, quiet: Bool) {
        self.label = label
        isShown = !quiet && HostProcess.isTerminal(FileHandle.standardError.fileDescriptor)
    }

    /// Redraws the line with `fraction` (0...1) done and `detail`, unless it was drawn less than half a second ago.
    func update(_ fraction: Double, detail: String = "") {
        guard isShown else { return }
        let now = ContinuousClock.now
        let due = lastDrawn.withLock { last -> Bool in
            if let last, now - last < .milliseconds(500) { return false }
            last = now
            return true
        }
        guard due else { return }
        let elapsed = Self.seconds(now - start), done = min(max(fraction, 0), 1)
        let left = done > 0.01 && elapsed >= 1 ? " · about \(Self.clock(elapsed * (1 - done) / done)) left" : ""
        let extra = detail.isEmpty ? "" : " · \(detail)"
        draw("\(label): \(Int(done * 100))%\(extra) · \(Self.clock(elapsed))\(left)")
    }

    /// Clears the line (the caller prints the outcome).
    func finish() {
        guard isShown else { return }
        draw("")
    }

    /// Replaces the current line with `text` (and erases what the previous one left beyond it).
    private func draw(_ text: String) {
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// `m:ss`, or `h:mm:ss` past an hour.
    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
