#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import BentoHost
import BentoKit
import Foundation
import InProcess

/// `bento shell`: opens a file system in-process (no kernel, no mount) and runs shell-like commands on it,
/// read line by line from standard input, so a script can be piped in.
struct Shell: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Poke a file system by hand: open it in-process and run commands read from standard input.",
        discussion: """
            Any registered type opens as it would mount: memfs (SOURCE: any word), passthrough (SOURCE: a \
            directory), and later xv6fs (SOURCE: an image). Type `help` at the prompt for the commands. \
            Errors print as `error: PATH: MESSAGE` and the shell goes on; `exit` or end of input ends it.
            """)

    @Option(name: .long, help: "File-system type: memfs, passthrough, ...")
    var fs: String = "memfs"

    @Option(name: .customShort("o"), help: "Mount options, comma-separated: ro, default_permissions (repeatable).")
    var options: [String] = []

    @Argument(help: "What to open: an image, a directory or a word, depending on the type.")
    var source: String = "shell"

    func run() throws {
        let mountOptions: MountOptions
        do {
            mountOptions = try MountOptions(parsing: options.joined(separator: ","))
        } catch {
            throw ValidationError(error.description)
        }
        let fileSystem: any FileSystem
        do {
            let type = try BuiltinTypes.registry().type(named: fs)
            try type.check(mountOptions)
            fileSystem = try type.make(source, mountOptions)
        } catch {
            throw Failure(error.description)
        }
        let mounted = try InProcessFileSystem(
            fileSystem: fileSystem,
            options: .init(readOnly: mountOptions.readOnly, defaultPermissions: mountOptions.defaultPermissions))
        defer { mounted.unmount() }
        let session = ShellSession(fileSystem: mounted)
        let prompts = isatty(STDIN_FILENO) != 0
        while true {
            if prompts {
                print("\(session.directory)> ", terminator: "")
                fflush(nil)
            }
            guard let line = readLine(), session.execute(line) else { return }
        }
    }
}

/// The shell's state (the working directory) and its command table.
final class ShellSession {
    /// The file system the commands act on.
    let fileSystem: InProcessFileSystem
    /// The working directory, absolute and normalized.
    private(set) var directory = "/"

    init(fileSystem: InProcessFileSystem) { self.fileSystem = fileSystem }

    /// A failure to print as `error: SUBJECT: MESSAGE`.
    struct CommandError: Error {
        let subject: String
        let message: String
    }

    /// One command: its name, how to call it, what it does and the code that does it.
    struct Command: Sendable {
        let name: String
        let usage: String
        let summary: String
        let run: @Sendable (ShellSession, [String]) throws(CommandError) -> Void
    }

    /// Runs one line; false when the shell should end.
    func execute(_ line: String) -> Bool {
        let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let name = words.first, !name.hasPrefix("#") else { return true }
        if name == "exit" || name == "quit" { return false }
        guard let command = Self.commands.first(where: { $0.name == name }) else {
            print("error: \(name): unknown command (try help)")
            return true
        }
        do {
            try command.run(self, Array(words.dropFirst()))
        } catch {
            print("error: \(error.subject): \(error.message)")
        }
        return true
    }

    /// `path` made absolute against the working directory, with `.`, `..` and repeated slashes folded away.
    func absolute(_ path: String) -> String {
        var parts: [Substring] = path.hasPrefix("/") ? [] : directory.split(separator: "/")
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Runs a file-system call on `path`, reporting its `Errno` against that path.
    func on<Result>(_ path: String, _ body: (String) throws(Errno) -> Result) throws(CommandError) -> Result {
        do {
            return try body(absolute(path))
        } catch {
            throw CommandError(subject: path, message: error.description)
        }
    }

    /// Checks the argument count against `command`'s usage.
    static func require(_ arguments: [String], count: ClosedRange<Int>, _ name: String) throws(CommandError) {
        guard count.contains(arguments.count) else {
            let usage = commands.first { $0.name == name }?.usage ?? name
            throw CommandError(subject: name, message: "usage: \(usage)")
        }
    }

    /// Changes the working directory, checking that `path` is a directory.
    func changeDirectory(to path: String) throws(CommandError) {
        let attributes = try on(path) { (path) throws(Errno) in try fileSystem.stat(path) }
        guard attributes.mode.isDirectory else { throw CommandError(subject: path, message: Errno.notDirectory.description) }
        directory = absolute(path)
    }

    /// Writes `text` and a newline to `path`, replacing or appending.
    func write(_ text: [String], to path: String, appending: Bool) throws(CommandError) {
        let flags: OpenFlags = [.writeOnly, .create, appending ? .append : .truncate]
        try on(path) { (path) throws(Errno) in
            let descriptor = try fileSystem.open(path, flags, mode: 0o666)
            defer { try? fileSystem.close(descriptor) }
            try fileSystem.write(descriptor, Array((text.joined(separator: " ") + "\n").utf8))
        }
    }

    /// The whole contents of the file `path`.
    func contents(of path: String) throws(CommandError) -> [UInt8] {
        try on(path) { (path) throws(Errno) -> [UInt8] in
            let descriptor = try fileSystem.open(path, [], mode: 0)
            defer { try? fileSystem.close(descriptor) }
            var bytes: [UInt8] = []
            while case let piece = try fileSystem.read(descriptor, count: 1 << 16), !piece.isEmpty { bytes += piece }
            return bytes
        }
    }

    /// The lines `ls` prints for the directory `path` (or the single object it names).
    func listing(_ path: String, long: Bool) throws(CommandError) -> [String] {
        let attributes = try on(path) { (path) throws(Errno) in try fileSystem.lstat(path) }
        guard attributes.mode.isDirectory else { return [long ? try longLine(path, name: path) : path] }
        let names = try on(path) { (path) throws(Errno) in try fileSystem.readdir(path) }
            .map(\.name.description).filter { $0 != "." && $0 != ".." }.sorted()
        guard long else { return names }
        var lines: [String] = []
        for name in names { lines.append(try longLine(path + "/" + name, name: name)) }
        return lines
    }

    /// One `ls -l` line: type and permissions, links, owner, group, size, name (and a symlink's target).
    private func longLine(_ path: String, name: String) throws(CommandError) -> String {
        let attributes = try on(path) { (path) throws(Errno) in try fileSystem.lstat(path) }
        var line = [Self.modeString(attributes.mode), "\(attributes.linkCount)", "\(attributes.uid.rawValue)",
                    "\(attributes.gid.rawValue)", "\(attributes.size)", name].joined(separator: " ")
        if attributes.mode.isSymbolicLink {
            line += " -> " + (try on(path) { (path) throws(Errno) in try fileSystem.readlink(path) })
        }
        return line
    }

    /// `drwxr-xr-x` style.
    static func modeString(_ mode: FileMode) -> String {
        let kinds: [FileType: Character] = [.directory: "d", .symbolicLink: "l", .characterDevice: "c",
                                            .blockDevice: "b", .fifo: "p", .socket: "s"]
        var text = String(mode.type.flatMap { kinds[$0] } ?? "-")
        for shift in [6, 3, 0] as [UInt32] {
            let bits = mode.permissions >> shift
            text += (bits & 4 != 0 ? "r" : "-") + (bits & 2 != 0 ? "w" : "-") + (bits & 1 != 0 ? "x" : "-")
        }
        return text
    }

    /// Every command, in the order `help` lists them.
    static let commands: [Command] = [
        Command(name: "ls", usage: "ls [-l] [PATH]", summary: "list a directory") { shell, arguments throws(CommandError) in
            let long = arguments.first == "-l"
            let paths = arguments.filter { $0 != "-l" }
            try require(paths, count: 0...1, "ls")
            for line in try shell.listing(paths.first ?? ".", long: long) { print(line) }
        },
        Command(name: "cd", usage: "cd [PATH]", summary: "change the working directory") { shell, arguments throws(CommandError) in
            try require(arguments, count: 0...1, "cd")
            try shell.changeDirectory(to: arguments.first ?? "/")
        },
        Command(name: "pwd", usage: "pwd", summary: "print the working directory") { shell, _ in print(shell.directory) },
        Command(name: "mkdir", usage: "mkdir PATH...", summary: "make directories") { shell, arguments throws(CommandError) in
            try require(arguments, count: 1...Int.max, "mkdir")
            for path in arguments { try shell.on(path) { (path) throws(Errno) in try shell.fileSystem.mkdir(path) } }
        },
        Command(name: "rmdir", usage: "rmdir PATH...", summary: "remove empty directories") { shell, arguments throws(CommandError) in
            try require(arguments, count: 1...Int.max, "rmdir")
            for path in arguments { try shell.on(path) { (path) throws(Errno) in try shell.fileSystem.rmdir(path) } }
        },
        Command(name: "rm", usage: "rm PATH...", summary: "remove names") { shell, arguments throws(CommandError) in
            try require(arguments, count: 1...Int.max, "rm")
            for path in arguments { try shell.on(path) { (path) throws(Errno) in try shell.fileSystem.unlink(path) } }
        },
        Command(name: "mv", usage: "mv FROM TO", summary: "rename") { shell, arguments throws(CommandError) in
            try require(arguments, count: 2...2, "mv")
            let target = shell.absolute(arguments[1])
            try shell.on(arguments[0]) { (path) throws(Errno) in try shell.fileSystem.rename(from: path, to: target) }
        },
        Command(name: "ln", usage: "ln [-s] TARGET NAME", summary: "make a hard or symbolic link") { shell, arguments throws(CommandError) in
            let symbolic = arguments.first == "-s"
            let operands = symbolic ? Array(arguments.dropFirst()) : arguments
            try require(operands, count: 2...2, "ln")
            if symbolic {
                try shell.on(operands[1]) { (path) throws(Errno) in try shell.fileSystem.symlink(operands[0], path) }
            } else {
                let name = shell.absolute(operands[1])
                try shell.on(operands[0]) { (path) throws(Errno) in try shell.fileSystem.link(path, name) }
            }
        },
        Command(name: "cat", usage: "cat PATH...", summary: "print files") { shell, arguments throws(CommandError) in
            try require(arguments, count: 1...Int.max, "cat")
            for path in arguments { print(String(decoding: try shell.contents(of: path), as: UTF8.self), terminator: "") }
        },
        Command(name: "write", usage: "write PATH TEXT...", summary: "replace a file's contents with TEXT and a newline") {
            shell, arguments throws(CommandError) in
            try require(arguments, count: 1...Int.max, "write")
            try shell.write(Array(arguments.dropFirst()), to: arguments[0], appending: false)
        },
        Command(name: "append", usage: "append PATH TEXT...", summary: "add TEXT and a newline to a file") { shell, arguments throws(CommandError) in
            try require(arguments, count: 1...Int.max, "append")
            try shell.write(Array(arguments.dropFirst()), to: arguments[0], appending: true)
        },
        Command(name: "truncate", usage: "truncate PATH SIZE", summary: "set a file's size") { shell, arguments throws(CommandError) in
            try require(arguments, count: 2...2, "truncate")
            guard let size = Int64(arguments[1]) else { throw CommandError(subject: arguments[1], message: "not a size") }
            try shell.on(arguments[0]) { (path) throws(Errno) in try shell.fileSystem.truncate(path, size: size) }
        },
        Command(name: "stat", usage: "stat PATH", summary: "show an object's attributes") { shell, arguments throws(CommandError) in
            try require(arguments, count: 1...1, "stat")
            let a = try shell.on(arguments[0]) { (path) throws(Errno) in try shell.fileSystem.lstat(path) }
            print("inode \(a.inode.rawValue) mode \(modeString(a.mode)) (\(a.mode)) links \(a.linkCount) "
                  + "uid \(a.uid.rawValue) gid \(a.gid.rawValue) size \(a.size) blocks \(a.blocks)")
            print("atime \(a.accessTime) mtime \(a.modificationTime) ctime \(a.changeTime)")
        },
        Command(name: "setfattr", usage: "setfattr -n NAME -v VALUE PATH | setfattr -x NAME PATH",
                summary: "set or remove an extended attribute") { shell, arguments throws(CommandError) in
            switch arguments.count {
            case 5 where arguments[0] == "-n" && arguments[2] == "-v":
                try shell.on(arguments[4]) { (path) throws(Errno) in
                    try shell.fileSystem.setxattr(path, name: arguments[1], value: Array(arguments[3].utf8))
                }
            case 3 where arguments[0] == "-x":
                try shell.on(arguments[2]) { (path) throws(Errno) in try shell.fileSystem.removexattr(path, name: arguments[1]) }
            default:
                try require([], count: 1...1, "setfattr")
            }
        },
        Command(name: "getfattr", usage: "getfattr [-n NAME] PATH", summary: "print extended attributes") { shell, arguments throws(CommandError) in
            let named = arguments.first == "-n"
            try require(arguments, count: named ? 3...3 : 1...1, "getfattr")
            let path = arguments[arguments.count - 1]
            let names = named ? [arguments[1]]
                : try shell.on(path) { (path) throws(Errno) in try shell.fileSystem.listxattr(path) }.map(\.description)
            for name in names {
                let value = try shell.on(path) { (path) throws(Errno) in try shell.fileSystem.getxattr(path, name: name) }
                print("\(name)=\"\(String(decoding: value, as: UTF8.self))\"")
            }
        },
        Command(name: "df", usage: "df", summary: "show space and inode use") { shell, _ throws(CommandError) in
            let s = try shell.on(".") { (path) throws(Errno) in try shell.fileSystem.statfs(path) }
            print("blocks \(s.totalBlocks) free \(s.freeBlocks) available \(s.availableBlocks) (block size \(s.blockSize))")
            print("inodes \(s.totalInodes) free \(s.freeInodes); longest name \(s.maximumNameLength)")
        },
        Command(name: "help", usage: "help", summary: "list the commands") { _, _ in
            let rows = commands.map { ($0.usage, $0.summary) } + [("exit", "leave the shell (so does end of input)")]
            let width = (rows.map(\.0.count).max() ?? 0) + 2
            for (usage, summary) in rows { print(usage.padding(toLength: width, withPad: " ", startingAt: 0) + summary) }
        },
    ]
}
