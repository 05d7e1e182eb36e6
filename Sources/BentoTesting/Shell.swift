import Foundation

/// What one external command did: its exit status and everything it printed.
public struct CommandResult: Sendable, CustomStringConvertible {
    /// The script as it was run.
    public var script: String
    /// The exit status; `timeout` turns a command it had to stop into 124 (137 if it also had to kill it).
    public var status: Int32
    /// Everything the command wrote to standard output.
    public var stdout: String
    /// Everything the command wrote to standard error.
    public var stderr: String

    /// Whether `timeout` had to stop the command.
    public var timedOut: Bool { status == 124 || status == 137 }

    public var description: String {
        "exit \(status)\(timedOut ? " (timed out)" : "") from:\n\(script)\n--- stdout:\n\(stdout.suffix(2_000))\n--- stderr:\n\(stderr.suffix(2_000))"
    }
}

/// An external command that did not exit 0.
extension CommandResult {
    /// Standard output, then standard error.
    public var output: String { stdout + stderr }
}

public struct CommandFailed: Error, CustomStringConvertible {
    /// What the command did.
    public var result: CommandResult
    public var description: String { "command failed: \(result)" }
}

/// Runs programs the way a user would, `/bin/bash -c SCRIPT` under `set -euo pipefail`, and always under
/// `timeout`, so a hung mount fails a test instead of hanging the suite.
public enum Shell {
    /// The default time limit of one command, in seconds.
    public static let timeLimit = 300

    /// The environment every command sees on top of ours: a fixed locale and time zone, so outputs compare.
    public static let baseEnvironment = ["LC_ALL": "C", "TZ": "UTC"]

    /// Quotes `word` for bash.
    public static func quote(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// Runs `script` in `directory` and returns what it did, whatever its exit status.
    @discardableResult
    public static func run(
        _ script: String, in directory: String? = nil, environment: [String: String] = [:], timeLimit: Int = timeLimit
    ) throws -> CommandResult {
        let command = try BackgroundCommand(script, in: directory, environment: environment, timeLimit: timeLimit)
        return command.wait()
    }

    /// Runs `script` and throws `CommandFailed` unless it exits 0.
    @discardableResult
    public static func check(
        _ script: String, in directory: String? = nil, environment: [String: String] = [:], timeLimit: Int = timeLimit
    ) throws -> CommandResult {
        let result = try run(script, in: directory, environment: environment, timeLimit: timeLimit)
        guard result.status == 0 else { throw CommandFailed(result: result) }
        return result
    }
}

/// A command started without waiting for it (a writer that runs while the test does something else);
/// `deinit` stops it if the test never waited for it.
public final class BackgroundCommand {
    private let process = Process()
    private let script: String
    private let outputFiles: (stdout: URL, stderr: URL)

    /// Starts `script`; see `Shell.run` for the environment it runs in.
    public init(_ script: String, in directory: String? = nil, environment: [String: String] = [:], timeLimit: Int = Shell.timeLimit) throws {
        let cd = directory.map { "cd -- \(Shell.quote($0))\n" } ?? ""
        self.script = script
        let scratch = FileManager.default.temporaryDirectory
        let name = "bento-it-\(UUID().uuidString)"
        outputFiles = (scratch.appendingPathComponent("\(name).out"), scratch.appendingPathComponent("\(name).err"))
        _ = FileManager.default.createFile(atPath: outputFiles.stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: outputFiles.stderr.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["--kill-after=10", String(timeLimit), "/bin/bash", "-c", "set -euo pipefail\n\(cd)\(script)"]
        process.environment = ProcessInfo.processInfo.environment
            .merging(Shell.baseEnvironment) { $1 }
            .merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outputFiles.stdout)
        process.standardError = try FileHandle(forWritingTo: outputFiles.stderr)
        try process.run()
    }

    /// The process id of the `timeout` wrapper (the command runs in its process group).
    public var processIdentifier: Int32 { process.processIdentifier }

    /// Waits for the command to end and returns what it did (the time limit bounds the wait).
    public func wait() -> CommandResult {
        process.waitUntilExit()
        return collect()
    }

    /// Waits at most `seconds` for the command to end; nil if it is still running then.
    public func wait(upTo seconds: Double) -> CommandResult? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return process.isRunning ? nil : wait()
    }

    private func collect() -> CommandResult {
        let read = { (url: URL) in String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self) }
        return CommandResult(script: script, status: process.terminationStatus,
                             stdout: read(outputFiles.stdout), stderr: read(outputFiles.stderr))
    }

    deinit {
        if process.isRunning {
            // `timeout` passes SIGTERM on to the command's process group, and SIGKILL 10 s later.
            kill(process.processIdentifier, SIGTERM)
        }
        try? FileManager.default.removeItem(at: outputFiles.stdout)
        try? FileManager.default.removeItem(at: outputFiles.stderr)
    }
}
