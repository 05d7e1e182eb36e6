import BentoKit
import BentoSystem
import FUSEWire

/// One open `/dev/fuse` descriptor: the session's own, or a clone that lets a worker thread read its own
/// queue of requests (`FUSE_DEV_IOC_CLONE`).
///
/// A channel reads one request per `read(2)` into a caller's buffer and writes one reply per `writev(2)`.
/// It owns its descriptor and closes it when it goes away.
public final class Channel: Sendable {
    /// The raw descriptor, valid for the channel's life.
    public let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// Takes ownership of an open `/dev/fuse` descriptor (one passed back by `fusermount3`, or handed over by the
    /// daemon that served the mount before).
    init(adopting descriptor: Int32) {
        FUSEDevice.setCloseOnExec(descriptor)
        self.descriptor = descriptor
    }

    /// Opens `/dev/fuse`, naming the usual cause of failure.
    public static func open() throws(HostError) -> Channel {
        do {
            return Channel(descriptor: try FUSEDevice.open())
        } catch .noSuchFileOrDirectory {
            throw HostError("/dev/fuse does not exist: load the fuse module (modprobe fuse) or install fuse3")
        } catch .permissionDenied, .notPermitted {
            throw HostError("/dev/fuse: permission denied — run as root or install fuse3")
        } catch {
            throw HostError("/dev/fuse: \(error)")
        }
    }

    /// A new descriptor attached to this channel's session, for another worker thread.
    public func clone() throws(HostError) -> Channel {
        let copy = try Channel.open()
        var session = DeviceControl.word(UInt32(bitPattern: descriptor))
        do {
            _ = try deviceControl(copy.descriptor, DeviceControl.clone, argument: &session)
        } catch {
            throw HostError("cloning the /dev/fuse channel failed: \(error)")
        }
        return copy
    }

    /// What a read from the channel produced.
    public enum Received: Equatable {
        /// A request of this many bytes is at the start of the buffer.
        case request(Int)
        /// The file system was unmounted (`ENODEV`): the normal end of a session.
        case unmounted
        /// The reading thread was interrupted (`ThreadInterrupt`) before a request came.
        case interrupted
    }

    /// Reads the next request into `buffer`; retries `EAGAIN` and `ENOENT` (a request interrupted before it was
    /// read). A signal ends the wait (`.interrupted`): the caller decides whether to read again.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Received {
        while true {
            do {
                return .request(try FUSEDevice.read(descriptor, into: buffer))
            } catch .operationNotSupportedByDevice {
                return .unmounted
            } catch .interrupted {
                return .interrupted
            } catch .resourceTemporarilyUnavailable, .noSuchFileOrDirectory {
                continue
            }
        }
    }

    /// Writes one reply. `ENOENT` (the request was interrupted and is gone) is not an error.
    public func send(_ reply: Reply) throws(Errno) {
        let total = reply.head.count + reply.payload.count
        let written: Int
        do {
            written = try FUSEDevice.write(descriptor, head: reply.head, payload: reply.payload)
        } catch .noSuchFileOrDirectory {
            return
        }
        if written != total { throw .ioError }
    }

    deinit { FUSEDevice.close(descriptor) }
}
