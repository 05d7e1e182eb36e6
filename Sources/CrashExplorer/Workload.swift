/// A workload: the setup its steps need, then core operations each followed by a persistence operation.
///
/// Written as a spec, one line a human can read and `bento crashcheck --replay` takes back:
/// `write foo append; fsync foo; rename foo A/bar; sync` — operations and persistence operations alternate,
/// `none` standing for no persistence. The setup is never written: it follows from the steps.
public struct Workload: Sendable, Hashable, CustomStringConvertible {
    /// The core operations, in order.
    public let steps: [WorkloadStep]
    /// What follows each step (`persistence[i]` after `steps[i]`); the last is never `.none`.
    public let persistence: [Persistence]
    /// Directories the setup makes before the workload starts, parents first.
    public let setupDirectories: [String]
    /// Files the setup makes (16 KiB of data and the attribute `user.ace` each).
    public let setupFiles: [String]

    /// A workload, with the setup its steps need; nil when no setup makes every step succeed, when the
    /// counts differ, or when nothing persists the last step.
    public init?(steps: [WorkloadStep], persistence: [Persistence]) {
        guard !steps.isEmpty, steps.count == persistence.count, persistence.last != Persistence.none else { return nil }
        var solver = SetupSolver()
        for (step, durability) in zip(steps, persistence) {
            guard solver.apply(step), solver.apply(durability) else { return nil }
        }
        self.steps = steps
        self.persistence = persistence
        setupDirectories = solver.directories
        setupFiles = solver.files
    }

    /// Parses a spec (see the type's comment); nil when it is malformed or cannot run.
    public init?(spec: String) {
        let parts = spec.split(separator: ";").map { $0.split(separator: " ").map(String.init) }
        guard parts.count % 2 == 0 else { return nil }
        var steps: [WorkloadStep] = [], persistence: [Persistence] = []
        for index in stride(from: 0, to: parts.count, by: 2) {
            guard let step = WorkloadStep(words: parts[index]), let durability = Persistence(words: parts[index + 1]) else {
                return nil
            }
            steps.append(step)
            persistence.append(durability)
        }
        self.init(steps: steps, persistence: persistence)
    }

    /// The spec: `write foo append; fsync foo`.
    public var spec: String {
        zip(steps, persistence).map { "\($0.words.joined(separator: " ")); \($1.words.joined(separator: " "))" }
            .joined(separator: "; ")
    }

    /// The spec.
    public var description: String { spec }
}
