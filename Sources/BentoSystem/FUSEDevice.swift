#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// The system calls on a `/dev/fuse` descriptor: open, read one request, write one reply, close. BentoHost's
/// `Channel` owns the descriptor and the protocol around them.
public enum FUSEDevice {
    /// Opens `/dev/fuse` read-write, close-on-exec.
    public static func open() throws(Errno) -> Int32 {
        try systemCall { Glibc.open("/dev/fuse", O_RDWR | O_CLOEXEC) }
    }

    /// Marks a descriptor received from elsewhere (`fusermount3`) close-on-exec.
    public static func setCloseOnExec(_ descriptor: Int32) {
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
    }

    /// Reads one request into `buffer` (which must hold the largest request); returns its length. The wait for a
    /// request ends with `EINTR` when `ThreadInterrupt` interrupts the thread.
    public static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try interruptibleSystemCall { Glibc.read(descriptor, buffer.baseAddress, buffer.count) }
    }

    /// Writes one reply, `head` then `payload`, with one `writev`; returns the bytes written.
    public static func write(_ descriptor: Int32, head: [UInt8], payload: [UInt8]) throws(Errno) -> Int {
        try systemCall {
            head.withUnsafeBytes { head in
                payload.withUnsafeBytes { payload in
                    var vectors = [
                        iovec(iov_base: UnsafeMutableRawPointer(mutating: head.baseAddress), iov_len: head.count),
                        iovec(iov_base: UnsafeMutableRawPointer(mutating: payload.baseAddress), iov_len: payload.count),
                    ]
                    return writev(descriptor, &vectors, payload.isEmpty ? 1 : 2)
                }
            }
        }
    }

    /// Closes the descriptor.
    public static func close(_ descriptor: Int32) { _ = Glibc.close(descriptor) }
}
