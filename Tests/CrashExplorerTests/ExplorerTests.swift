import BentoServices
import CrashExplorer
import Testing
import XV6FS

@Suite struct ExplorerTests {
    @Test func aFailingStateReplaysAloneWithTheSameProblems() throws {
        let explorer = try Explorer(factory: .xv6fs(.journal) { FlushDroppingDevice($0) })
        let workload = try #require(Workload(spec: "write foo overlap; none; link foo bar; fsync foo"))
        let full = explorer.check(workload)
        let first = try #require(full.failures.first)
        let replayed = explorer.check(workload, state: first.state)
        #expect(replayed.crashStates == 1)
        #expect(replayed.failures.map(\.problems) == [first.problems])
    }

    @Test func changesAfterAPromiseLiftItUntilTheNextOne() throws {
        // foo's 16 KiB promised by the setup's sync are overwritten without persistence, then only bar is
        // fsynced: a crash may show either version of foo, so a sound xv6fs passes, yet bar is checked.
        let explorer = try Explorer(factory: .xv6fs(.ordered))
        let result = explorer.check(try #require(Workload(spec: "write foo overlap; none; creat bar; fsync bar")))
        #expect(result.failures.isEmpty, "\(result.failures.flatMap(\.problems))")
        #expect(result.crashStates > 2)
    }

    @Test func aReproductionNamesTheWorkloadStateAndCommand() throws {
        let explorer = try Explorer(factory: .xv6fs(.ordered) { FlushDroppingDevice($0) })
        let result = explorer.check(try #require(Workload(spec: "creat A/foo; fsync A")))
        let text = result.reproduction(command: "bento crashcheck --fs xv6fs --data ordered")
        #expect(text.hasPrefix("FAIL creat A/foo; fsync A"))
        #expect(text.contains("--replay 'creat A/foo; fsync A' --state "))
        #expect(text.contains("expected directory holding [\"foo\"]"))
        #expect(result.swiftTest(factory: ".xv6fs(.ordered)").contains("Workload(spec: \"creat A/foo; fsync A\")"))
    }
}
