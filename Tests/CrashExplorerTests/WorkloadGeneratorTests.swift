import CrashExplorer
import Testing

@Suite struct WorkloadGeneratorTests {
    @Test func seq1HoldsEveryCatalogStepWithEachPersistenceChoice() {
        let workloads = WorkloadGenerator.workloads(length: 1)
        #expect(WorkloadGenerator.catalog.count == 89)
        #expect(workloads.count == 554)
        #expect(Set(workloads.map(\.steps[0])) == Set(WorkloadGenerator.catalog))
        #expect(workloads.allSatisfy { $0.persistence.last != Persistence.none })
    }

    @Test func seq2IsOfTheOrderOfACEs() {
        #expect(XV6FSCrashConsistencyTests.seq2.count == 576_767)
        #expect(XV6FSCrashConsistencyTests.seq2.allSatisfy { $0.steps.count == 2 })
    }

    @Test func specsReadBackAsTheSameWorkload() {
        for workload in WorkloadGenerator.workloads(length: 1) + XV6FSCrashConsistencyTests.sample {
            #expect(Workload(spec: workload.spec) == workload, "\(workload.spec)")
        }
    }

    @Test func setupMakesWhatTheStepsNeed() throws {
        let rename = try #require(Workload(spec: "rename A B replacing; fsync B"))
        #expect(rename.setupDirectories == ["A", "B"] && rename.setupFiles.isEmpty)
        let replace = try #require(Workload(spec: "rename foo A/bar replacing; fsync A"))
        #expect(replace.setupDirectories == ["A"] && replace.setupFiles == ["foo", "A/bar"])
        #expect(Workload(spec: "rename A B; fsync A/foo") == nil, "A/foo moved with A")
        let fresh = try #require(Workload(spec: "mkdir A; none; creat A/foo; fsync A"))
        #expect(fresh.setupDirectories.isEmpty && fresh.setupFiles.isEmpty)
    }

    @Test func workloadsThatCannotRunAreRefused() {
        #expect(Workload(spec: "unlink foo; fsync foo") == nil, "fsync of a file the step removed")
        #expect(Workload(spec: "creat foo; none; creat foo; sync") == nil, "creat of an existing file")
        #expect(Workload(spec: "creat foo; none; removexattr foo; sync") == nil, "no attribute to remove")
        #expect(Workload(spec: "write foo append; none") == nil, "nothing persists the last step")
        #expect(Workload(spec: "write nowhere append; sync") == nil, "not a path of the file set")
    }

    @Test func aSampleIsRepeatableAndSpread() {
        let all = WorkloadGenerator.workloads(length: 1)
        let sample = WorkloadGenerator.sample(all, count: 50, seed: 7)
        #expect(sample == WorkloadGenerator.sample(all, count: 50, seed: 7))
        #expect(Set(sample.map(\.spec)).count == 50)
        #expect(sample != WorkloadGenerator.sample(all, count: 50, seed: 8))
    }
}
