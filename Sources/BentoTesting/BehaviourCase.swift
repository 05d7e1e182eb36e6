import BentoKit
import Testing

/// One behaviour a Linux file system shows, written once against `POSIXDriver` and run on every
/// file-system/driver combination. Its name is what Swift Testing shows for each argument.
public struct BehaviourCase: Sendable, CustomTestStringConvertible {
    /// What the case shows, as a test name (`renameOverFileReplacesIt`).
    public let name: String
    /// The case: calls on a fresh workspace, with `#expect` for each fact.
    public let body: @Sendable (Workspace) throws -> Void

    public var testDescription: String { name }

    /// A case.
    public init(_ name: String, _ body: @escaping @Sendable (Workspace) throws -> Void) {
        self.name = name
        self.body = body
    }

    /// Every case, in a stable order.
    public static let all: [BehaviourCase] = fileCases + namespaceCases + linkCases + attributeCases + permissionCases
        + accessControlCases
}

/// A fresh, empty directory (mode 0755, owned by root) a case works in, and the driver to reach it.
public struct Workspace: Sendable {
    /// The driver, making calls as root.
    public let driver: any POSIXDriver
    /// The workspace directory's path as the driver names it.
    public let root: String

    /// The path of `relative` inside the workspace.
    public func path(_ relative: String) -> String { root + "/" + relative }

    /// Makes (or truncates) file `name` holding `contents`.
    public func create(_ name: String, _ contents: [UInt8] = [], mode: UInt32 = 0o644) throws {
        let descriptor = try driver.open(path(name), [.writeOnly, .create, .truncate], mode: mode)
        defer { try? driver.close(descriptor) }
        if !contents.isEmpty { #expect(try driver.write(descriptor, contents) == contents.count) }
    }

    /// The whole contents of file `name`.
    public func contents(_ name: String) throws -> [UInt8] {
        let descriptor = try driver.open(path(name), [], mode: 0)
        defer { try? driver.close(descriptor) }
        var bytes: [UInt8] = []
        while true {
            let piece = try driver.read(descriptor, count: 1 << 16)
            if piece.isEmpty { return bytes }
            bytes += piece
        }
    }

    /// The names in directory `name` ("" for the workspace), sorted, without `.` and `..`.
    public func names(_ name: String = "") throws -> [String] {
        try driver.readdir(name.isEmpty ? root : path(name)).map(\.name.description)
            .filter { $0 != "." && $0 != ".." }.sorted()
    }
}

/// The UTF-8 bytes of `text`.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The `Errno` `body` throws, or nil when it succeeds; for `#expect(failure { ... } == .fileExists)`, which
/// shows the error actually thrown when it is another.
func failure(_ body: () throws -> Void) -> Errno? {
    do {
        try body()
        return nil
    } catch let error as Errno {
        return error
    } catch {
        Issue.record("threw \(error), not an Errno")
        return nil
    }
}
