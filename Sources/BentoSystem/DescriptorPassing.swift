#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Handing an open descriptor from one process to another over a Unix socket (`SCM_RIGHTS`), as `fusermount3`
/// hands back the `/dev/fuse` channel it opened and mounted.
public enum DescriptorPassing {
    /// A connected pair of Unix stream sockets (`socketpair`); the caller closes both with `close`.
    public static func socketPair() throws(Errno) -> (Int32, Int32) {
        var sockets: [Int32] = [0, 0]
        _ = try systemCall { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &sockets) }
        return (sockets[0], sockets[1])
    }

    /// Closes a descriptor.
    public static func close(_ descriptor: Int32) { _ = Glibc.close(descriptor) }

    /// Sends `descriptors` (at most `maximumCount`) with `SCM_RIGHTS` over `socket`, with one byte of data; the
    /// receiver gets its own descriptors for the same open files (`receive(count:over:)`).
    public static func send(_ descriptors: [Int32], over socket: Int32) throws(Errno) {
        guard !descriptors.isEmpty, descriptors.count <= maximumCount else { throw .invalidArgument }
        var byte: UInt8 = 0
        let dataLength = descriptors.count * MemoryLayout<Int32>.stride
        let controlLength = controlSpace(dataLength)
        var control = [UInt8](repeating: 0, count: controlLength)
        control.withUnsafeMutableBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            var header = cmsghdr()
            header.cmsg_len = MemoryLayout<cmsghdr>.stride + dataLength
            header.cmsg_level = SOL_SOCKET
            header.cmsg_type = Int32(SCM_RIGHTS)
            base.storeBytes(of: header, as: cmsghdr.self)
            for (index, descriptor) in descriptors.enumerated() {
                base.storeBytes(of: descriptor, toByteOffset: MemoryLayout<cmsghdr>.stride + index * 4, as: Int32.self)
            }
        }
        let sent = withUnsafeMutablePointer(to: &byte) { bytePointer -> Int in
            var vector = iovec(iov_base: bytePointer, iov_len: 1)
            return control.withUnsafeMutableBytes { controlBytes -> Int in
                withUnsafeMutablePointer(to: &vector) { vectorPointer -> Int in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBytes.baseAddress
                    message.msg_controllen = controlBytes.count
                    while true {
                        let result = sendmsg(socket, &message, Int32(MSG_NOSIGNAL))
                        if result >= 0 || errno != EINTR { return result < 0 ? -Int(errno) : result }
                    }
                }
            }
        }
        if sent < 0 { throw Errno(rawValue: Int32(-sent)) }
    }

    /// Receives the descriptors one `send` sent (up to `count`), close-on-exec; empty when the message carried
    /// none or the peer closed.
    public static func receive(count: Int, over socket: Int32) -> [Int32] {
        guard count > 0, count <= maximumCount else { return [] }
        var byte: UInt8 = 0
        var control = [UInt8](repeating: 0, count: controlSpace(count * MemoryLayout<Int32>.stride))
        return withUnsafeMutablePointer(to: &byte) { bytePointer -> [Int32] in
            var vector = iovec(iov_base: bytePointer, iov_len: 1)
            return control.withUnsafeMutableBytes { controlBytes -> [Int32] in
                withUnsafeMutablePointer(to: &vector) { vectorPointer -> [Int32] in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBytes.baseAddress
                    message.msg_controllen = controlBytes.count
                    guard (try? systemCall({ recvmsg(socket, &message, Int32(MSG_CMSG_CLOEXEC)) })) ?? 0 > 0,
                          message.msg_controllen >= MemoryLayout<cmsghdr>.stride, let base = controlBytes.baseAddress
                    else { return [] }
                    let header = base.loadUnaligned(as: cmsghdr.self)
                    guard header.cmsg_level == SOL_SOCKET, header.cmsg_type == Int32(SCM_RIGHTS) else { return [] }
                    let received = (Int(header.cmsg_len) - MemoryLayout<cmsghdr>.stride) / MemoryLayout<Int32>.stride
                    return (0..<max(0, min(received, count))).map { index in
                        base.loadUnaligned(fromByteOffset: MemoryLayout<cmsghdr>.stride + index * 4, as: Int32.self)
                    }
                }
            }
        }
    }

    /// The most descriptors one message carries here (the kernel's limit is 253).
    public static let maximumCount = 64

    /// Control-message space for `dataLength` bytes (CMSG_SPACE).
    private static func controlSpace(_ dataLength: Int) -> Int {
        let alignment = MemoryLayout<Int>.stride
        return MemoryLayout<cmsghdr>.stride + (dataLength + alignment - 1) / alignment * alignment
    }

    /// Receives one descriptor sent with `SCM_RIGHTS` over `socket`; nil when the message carried none.
    public static func receive(over socket: Int32) -> Int32? {
        receive(count: 1, over: socket).first
    }
}
