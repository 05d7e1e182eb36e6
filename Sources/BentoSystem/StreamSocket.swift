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
        let socket = try opening(AF_UNIX)
        unlink(path)
        try socket.bind(to: try Self.address(path))
        _ = try systemCall { chmod(path, 0o600) }
        try socket.listen()
        return socket
    }

    /// Connects to the socket at `path`.
    public static func connect(to path: String) throws(Errno) -> StreamSocket {
        let socket = try opening(AF_UNIX)
        try socket.connect(to: try Self.address(path))
        return socket
    }

    /// A new stream socket of address family `family` (`AF_UNIX`, `AF_INET`), closed on exec.
    static func opening(_ family: Int32) throws(Errno) -> StreamSocket {
        StreamSocket(descriptor: try systemCall {
            Glibc.socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        })
    }

    /// Binds to `address` (a `sockaddr_un` or `sockaddr_in`).
    func bind<Address>(to address: Address) throws(Errno) {
        try Self.passing(address) { Glibc.bind(descriptor, $0, $1) }
    }

    /// Connects to `address` (a `sockaddr_un` or `sockaddr_in`).
    func connect<Address>(to address: Address) throws(Errno) {
        try Self.passing(address) { Glibc.connect(descriptor, $0, $1) }
    }

    /// Runs `call` (bind, connect) with `address` as the `sockaddr` pointer and length it takes.
    private static func passing<Address>(_ address: Address,
                                         _ call: (UnsafePointer<sockaddr>, socklen_t) -> Int32) throws(Errno) {
        var address = address
        _ = try systemCall {
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call($0, socklen_t(MemoryLayout<Address>.size)) }
            }
        }
    }

    /// Starts accepting clients (a backlog of 16).
    func listen() throws(Errno) { _ = try systemCall { Glibc.listen(descriptor, 16) } }

    /// Waits for the next client.
    public func accept() throws(Errno) -> StreamSocket {
        let client = StreamSocket(descriptor: try systemCall { Glibc.accept(descriptor, nil, nil) })
        _ = fcntl(client.descriptor, F_SETFD, FD_CLOEXEC)
        return client
    }

    /// The user id of the process at the other end (`SO_PEERCRED`: who connected), nil if the kernel does not say.
    public var peerUserID: UInt32? { PeerCredentials.userID(of: descriptor) }

    /// The process id of the process at the other end (`SO_PEERCRED`), nil if the kernel does not say.
    public var peerProcessID: Int32? { PeerCredentials.processID(of: descriptor) }

    /// Makes reads give up with `EAGAIN` after `seconds` without data (`SO_RCVTIMEO`; 0: wait forever).
    public func setReceiveTimeout(seconds: Double) {
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Ends both directions: the peer's reads see the end and its writes fail, whoever else holds the socket.
    public func shutDown() { _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR)) }

    /// Reads exactly `count` bytes; `EPIPE` when the peer closes first.
    public func read(exactly count: Int) throws(Errno) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let received = try systemCall {
                result.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress! + offset, $0.count - offset, 0) }
            }
            guard received > 0 else { throw .brokenPipe }
            offset += received
        }
        return result
    }

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
