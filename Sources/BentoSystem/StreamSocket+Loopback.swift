#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

// TCP on 127.0.0.1 only: what a daemon offers the machine it runs on (`-o metrics=PORT`), never the network.

extension StreamSocket {
    /// Listens on 127.0.0.1:`port` (0: a port the kernel picks; `localPort` says which).
    public static func listen(loopbackPort port: UInt16) throws(Errno) -> StreamSocket {
        let socket = try opening(AF_INET)
        var reuse: Int32 = 1
        _ = try systemCall { setsockopt(socket.descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size)) }
        try socket.bind(to: Self.loopback(port))
        try socket.listen()
        return socket
    }

    /// Connects to 127.0.0.1:`port`.
    public static func connect(loopbackPort port: UInt16) throws(Errno) -> StreamSocket {
        let socket = try opening(AF_INET)
        try socket.connect(to: Self.loopback(port))
        return socket
    }

    /// Makes reads and writes fail with `EAGAIN` after waiting `limit` (`SO_RCVTIMEO`, `SO_SNDTIMEO`): a peer
    /// that sends nothing cannot hold a serving thread.
    public func setTimeout(_ limit: Duration) throws(Errno) {
        let (seconds, attoseconds) = limit.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
            _ = try systemCall { setsockopt(descriptor, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size)) }
        }
    }

    /// The local port of a TCP socket (the one the kernel picked for port 0).
    public var localPort: UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return result == 0 ? UInt16(bigEndian: address.sin_port) : 0
    }

    private static func loopback(_ port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian  // INADDR_LOOPBACK
        return address
    }
}
