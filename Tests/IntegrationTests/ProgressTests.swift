import BentoTesting
import Foundation
import Testing

// Progress of long jobs: `bento mkfs`, `bento fsck` and `bento crashcheck` draw a progress line with an estimate on
// a terminal (here a pseudo-terminal from `script`), nothing when their output goes to a pipe or with `--quiet`,
// and crashcheck's summary stays the last line.

@Suite struct ProgressTests {
    private var bento: String { Shell.quote(TestEnvironment.bentoBinary) }

    /// What `command` prints on a pseudo-terminal, each redrawn line on its own, escapes removed.
    private func onTerminal(_ command: String) throws -> [String] {
        let output = try Shell.check("script -qfec \(Shell.quote(command)) /dev/null", timeLimit: 300).stdout
        return output.replacingOccurrences(of: "\u{1B}[K", with: "").split(whereSeparator: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" })  // "\r\n" is one Character
            .map(String.init).filter { !$0.isEmpty }
    }

    @Test func mkfsAndFsckShowProgressOnATerminalOnly() throws {
        let scratch = try ScratchDirectory("progress")
        let image = "\(scratch.path)/disk.img"
        let made = try onTerminal("\(bento) mkfs --size 2G \(image)")
        #expect(made.contains { $0.hasPrefix("formatting \(image): ") && $0.contains("%") }, "\(made)")
        #expect(made.last?.hasPrefix("\(image): xv6fs") == true, "the outcome is the last line: \(made)")
        let checked = try onTerminal("\(bento) fsck \(image)")
        #expect(checked.contains { $0.hasPrefix("checking \(image): ") && $0.contains("% · inodes") }, "\(checked)")
        #expect(checked.last?.hasPrefix("clean:") == true, "\(checked)")

        let piped = try Shell.check("\(bento) fsck \(image) 2>&1 | cat", timeLimit: 120).stdout
        #expect(!piped.contains("%") && !piped.contains("\u{1B}"), "no progress into a pipe: \(piped)")
        let quiet = try onTerminal("\(bento) fsck --quiet \(image)")
        #expect(!quiet.contains { $0.contains("%") }, "\(quiet)")
    }

    @Test func crashcheckKeepsItsSummaryTheLastLine() throws {
        let lines = try onTerminal("\(bento) crashcheck --workloads seq1 --sample 4 --jobs 1")
        #expect(lines.contains { $0.hasPrefix("seq1 ordered: ") && $0.contains("workloads, ") }, "\(lines)")
        let last = lines.last ?? ""
        #expect(last.hasSuffix("0 failures") && last.contains("workloads,"), "\(lines)")
    }
}
