#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// A connected or listening stream socket (Unix-domain, or TCP on the loopback address: `StreamSocket+Loopback`),
/// closed when it goes away.
public final class StreamSocket: Sendable {
    /// The socket's descriptor, valid for the object's life.
    public let descriptor: Int32

    init(descriptor: Int32) { self.descriptor = descriptor }

    /// Listens on `path` (replacing a stale socket file), readable and writable by the owner only.
    public static func listen(at path: String) throws(Errno) -> StreamSocket {
        let socket = StreamSocket(descriptor: try systemCall { Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) })
        unlink(path)
        var address = try Self.address(path)
        _ = try systemCall {
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(socket.descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
        _ = try systemCall { chmod(path, 0o600) }
        _ = try systemCall { Glibc.listen(socket.descriptor, 16) }
        return socket
    }

    /// Connects to the socket at `path`.
    public static func connect(to path: String) throws(Errno) -> StreamSocket {
        let socket = StreamSocket(descriptor: try systemCall { Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) })
        var address = try Self.address(path)
        _ = try systemCall {
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(socket.descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
        return socket
    }

    /// Waits for the next client.
    public func accept() throws(Errno) -> StreamSocket {
        let client = StreamSocket(descriptor: try systemCall { Glibc.accept(descriptor, nil, nil) })
        _ = fcntl(client.descriptor, F_SETFD, FD_CLOEXEC)
        return client
    }

    /// The user id of the process at the other end (`SO_PEERCRED`: who connected), nil if the kernel does not say.
    public var peerUserID: UInt32? { PeerCredentials.userID(of: descriptor) }

    /// Writes all of `bytes`.
    public func write(_ bytes: [UInt8]) throws(Errno) {
        var offset = 0
        while offset < bytes.count {
            let count = try systemCall {
                bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            }
            offset += count
        }
    }

    /// Reads until the peer closes or `limit` bytes arrived.
    public func readAll(limit: Int = 1 << 20) throws(Errno) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while result.count < limit {
            let count = try systemCall { chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) } }
            if count == 0 { break }
            result.append(contentsOf: chunk[0..<count])
        }
        return result
    }

    /// Reads what has arrived, at most `limit` bytes, waiting for at least one; empty once the peer has closed.
    public func read(upTo limit: Int = 1 << 16) throws(Errno) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: max(limit, 1))
        let count = try systemCall { chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) } }
        return Array(chunk[0..<count])
    }

    /// Reads one line (without its newline), at most `limit` bytes.
    public func readLine(limit: Int = 4096) throws(Errno) -> [UInt8] {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.count < limit {
            let count = try systemCall { recv(descriptor, &byte, 1, 0) }
            if count == 0 || byte == UInt8(ascii: "\n") { break }
            line.append(byte)
        }
        return line
    }

    private static func address(_ path: String) throws(Errno) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { throw .fileNameTooLong }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    deinit { close(descriptor) }
}
