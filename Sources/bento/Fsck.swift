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

    @Flag(help: "Show no progress (it shows only on a terminal anyway).")
    var quiet = false

    func run() throws {
        let holder = ImageLock.holder(of: image)
        if repair, let holder { throw Failure("\(image) is mounted (\(holder)); unmount it before --repair") }
        let device: FileBlockDevice
        do { device = try FileBlockDevice.open(path: image, readOnly: !repair) } catch { throw Failure("\(error)") }
        let progress = ProgressLine(label: "checking \(image)", quiet: quiet)
        let report = XV6FS.fsck(device: device, repair: repair) { progress.update($0, detail: $1) }
        progress.finish()
        if let holder { print("note: \(image) is mounted (\(holder)); checking it as it is on disk now") }
        print(report)
        if !report.isConsistent { throw ExitCode(1) }
    }
}
