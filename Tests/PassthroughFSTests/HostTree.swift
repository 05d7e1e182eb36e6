import BentoKit
import Foundation
import PassthroughFS

/// A scratch host directory under /tmp with a PassthroughFS over it, removed when the test lets go of it.
final class HostTree {
    /// The host directory the file system mirrors.
    let path: String
    /// The file system under test.
    let fs: PassthroughFS

    /// A fresh, world-writable directory (so other users can create in it) and a file system over it.
    init(options: PassthroughFS.Options = .init()) throws {
        path = "/tmp/bento-passthrough-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o777])
        fs = try PassthroughFS(root: path, options: options)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// The host path of `relative`.
    func host(_ relative: String) -> String { path + "/" + relative }

    /// Writes a host file directly, bypassing the file system.
    func writeHostFile(_ relative: String, _ contents: String) {
        _ = FileManager.default.createFile(atPath: host(relative), contents: Data(contents.utf8))
    }

    /// The host file's contents, read directly.
    func hostContents(_ relative: String) -> String? {
        FileManager.default.contents(atPath: host(relative)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The host object's attributes, read directly.
    func hostAttributes(_ relative: String) throws -> [FileAttributeKey: Any] {
        try FileManager.default.attributesOfItem(atPath: host(relative))
    }

    /// Looks up a `/`-separated path from the root through the file system (one lookup counted per component).
    func lookup(_ relative: String, as request: Request = .root) throws -> Entry {
        var parent = Inode.root
        var entry: Entry?
        for component in relative.split(separator: "/") {
            let found = try fs.lookup(request, parent: parent, name: FileName(String(component)))
            parent = found.inode
            entry = found
        }
        guard let entry else { throw Errno.invalidArgument }
        return entry
    }

    /// Reads a whole file through the file system (open, read, release).
    func readThroughFS(_ inode: Inode, size: UInt32 = 1 << 16) throws -> [UInt8] {
        let handle = try fs.open(.root, inode: inode, flags: []).handle
        defer { try? fs.release(.root, inode: inode, handle: handle, flags: []) }
        return try fs.read(.root, inode: inode, handle: handle, offset: 0, size: size)
    }
}

/// Builds a file name, for brevity.
func name(_ string: String) throws -> FileName { try FileName(string) }

/// A request from an ordinary user.
let user1000 = Request(uid: UserID(1000), gid: GroupID(1000))

/// Runs a host command and returns its standard output.
@discardableResult
func run(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = Foundation.FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
