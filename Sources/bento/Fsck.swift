import ArgumentParser
import BentoServices
import Foundation
import XV6FS

/// `bento fsck`: checks an xv6fs image; exit 0 when consistent, else a report and exit 1.
struct Fsck: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check an xv6fs image: superblock, journal, inodes, directories, link counts and bitmaps.")

    @Flag(help: "Replay the journal and fix what can be fixed (bitmaps, counts, link counts, unreachable inodes).")
    var repair = false

    @Argument(help: "The image file or block device.")
    var image: String

    func run() throws {
        let holder = ImageLock.holder(of: image)
        if repair, let holder { throw Failure("\(image) is mounted (\(holder)); unmount it before --repair") }
        let device: FileBlockDevice
        do { device = try FileBlockDevice.open(path: image, readOnly: !repair) } catch { throw Failure("\(error)") }
        let report = XV6FS.fsck(device: device, repair: repair)
        if let holder { print("note: \(image) is mounted (\(holder)); checking it as it is on disk now") }
        print(report)
        if !report.isConsistent { throw ExitCode(1) }
    }
}

/// The advisory lock a serving daemon holds on its image (`flock`), so that a second mount is refused.
enum ImageLock {
    /// Takes the lock on `path` for the rest of this process's life (the descriptor is never closed: the lock
    /// goes when the daemon exits, however it exits). Throws a message when another process holds it.
    static func acquire(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw Failure("\(path) is already mounted by another bento process (it holds the image lock)")
        }
        return descriptor
    }

    /// A description of the process holding `path`'s lock, or nil when nobody does.
    static func holder(of path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return nil
        }
        return "a bento daemon holds its lock"
    }
}
