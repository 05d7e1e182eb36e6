import BentoKit
import BentoSystem
import Synchronization

/// An open directory: its host listing stream and the position the stream is at.
final class OpenDirectory: Sendable {
    /// The listing and where it stands. `position` is the cookie after the last entry handed out (0 = start),
    /// so a readdir at that offset continues without seeking.
    struct State: ~Copyable {
        var stream: DirectoryStream
        var position: UInt64
    }

    /// The host device of the directory, to recognise entries the inode table already knows.
    let device: UInt64
    /// The listing, one caller at a time.
    let state: Mutex<State>

    /// Opens a listing of the directory `descriptor` names, on device `device`.
    init(listing descriptor: HostDescriptor, device: UInt64) throws(Errno) {
        self.device = device
        self.state = Mutex(State(stream: try DirectoryStream(listing: descriptor), position: 0))
    }
}

/// What an open handle holds.
enum OpenObject: Sendable {
    /// An open file with its real host descriptor.
    case file(HostDescriptor)
    /// An open directory listing.
    case directory(OpenDirectory)
}

/// The handles of open files and directories: real descriptors, held until release, so their number is
/// bounded by what the applications keep open. Not synchronized: kept behind a lock.
struct OpenFileTable {
    private var objects: [UInt64: OpenObject] = [:]
    private var nextHandle: UInt64 = 1

    /// How many handles are open.
    var count: Int { objects.count }

    /// Registers an open object and returns its new handle.
    mutating func insert(_ object: OpenObject) -> FileHandle {
        let handle = nextHandle
        nextHandle += 1
        objects[handle] = object
        return FileHandle(handle)
    }

    /// The object behind `handle`.
    func object(_ handle: FileHandle) -> OpenObject? { objects[handle.rawValue] }

    /// Forgets `handle` and returns its object, to be closed once the caller lets go of it.
    mutating func remove(_ handle: FileHandle) -> OpenObject? { objects.removeValue(forKey: handle.rawValue) }
}
