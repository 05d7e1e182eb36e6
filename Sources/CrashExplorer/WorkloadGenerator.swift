/// ACE's bounded black-box workload generator: every sequence of `length` core operations over its parameter
/// sets, every choice of persistence after each, the setup filled in (`Workload.init`), impossible ones dropped.
///
/// Parameter sets are ACE's: operations name `foo` or `A/foo` first and `bar` or `A/bar` second (ACE splits the
/// names so that workloads differing only by a name appear once); directories `A` and `B`. Persistence after a
/// step targets the paths it uses, their siblings and their parents (ACE's `file_range`): `fsync` of each, and
/// `fdatasync` of each file; or a global `sync`; or nothing, except after the last step. As in ACE, the
/// related paths are those of the whole workload, so the first persistence point may already target a file
/// only the second step uses.
public enum WorkloadGenerator {
    static let first = ["foo", "A/foo"]
    static let second = ["bar", "A/bar"]

    /// Every core operation with every parameter choice, in a fixed order.
    public static let catalog: [WorkloadStep] = {
        var steps: [WorkloadStep] = first.map { .creat($0) } + [.mkdir("A")]
        for path in first {
            for mode in FallocateChoice.allCases { steps += WriteRange.allCases.map { .fallocate(path, mode, $0) } }
        }
        steps += first.flatMap { path in WriteRange.allCases.map { .write(path, $0) } }
        steps += first.flatMap { path in AlignedRange.allCases.map { .directWrite(path, $0) } }
        steps += first.flatMap { path in AlignedRange.allCases.map { .mmapWrite(path, $0) } }
        let pairs = (first + second).flatMap { from in second.filter { $0 != from }.map { (from, $0) } }
        steps += pairs.map { .link($0, $1) }
        steps += pairs.map { .symlink($0, $1) }
        steps += (first + second).map { .unlink($0) }
        steps += (first + second).map { .remove($0) }
        for replacing in [false, true] {
            steps += (pairs + [("A", "B")]).map { .rename($0, $1, replacing: replacing) }
        }
        steps += first.map { .setxattr($0) } + first.map { .removexattr($0) }
        steps += first.flatMap { path in TruncateChoice.allCases.map { .truncate(path, $0) } }
        return steps
    }()

    /// The persistence operations that may follow a step of a workload made of `steps`: fsync or fdatasync of a
    /// related path, `sync`, and `none` unless `isLast`.
    public static func persistenceChoices(for steps: [WorkloadStep], isLast: Bool) -> [Persistence] {
        var related: [String] = []
        for path in steps.flatMap(\.paths) {
            for candidate in [path, FileSet.sibling(of: path), FileSet.parent(of: path)] where !related.contains(candidate) {
                related.append(candidate)
            }
        }
        var choices: [Persistence] = []
        for path in related {
            choices.append(.fsync(path))
            if FileSet.files.contains(path) { choices.append(.fdatasync(path)) }
        }
        choices.append(.sync)
        if !isLast { choices.append(.none) }
        return choices
    }

    /// Every workload of `length` steps (1 for seq-1, 2 for seq-2), in a fixed order.
    public static func workloads(length: Int) -> [Workload] {
        var result: [Workload] = []
        var skeleton: [WorkloadStep] = []
        func extend() {
            guard skeleton.count < length else {
                appendEveryPersistence(for: skeleton, into: &result)
                return
            }
            for step in catalog {
                skeleton.append(step)
                extend()
                skeleton.removeLast()
            }
        }
        extend()
        return result
    }

    private static func appendEveryPersistence(for steps: [WorkloadStep], into result: inout [Workload]) {
        let choices = steps.indices.map { persistenceChoices(for: steps, isLast: $0 == steps.count - 1) }
        var picked: [Persistence] = []
        func extend() {
            guard picked.count < steps.count else {
                if let workload = Workload(steps: steps, persistence: picked) { result.append(workload) }
                return
            }
            for choice in choices[picked.count] {
                picked.append(choice)
                extend()
                picked.removeLast()
            }
        }
        extend()
    }
}
