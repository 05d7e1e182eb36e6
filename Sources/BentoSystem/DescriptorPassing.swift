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

    /// Receives one descriptor sent with `SCM_RIGHTS` over `socket`; nil when the message carried none.
    public static func receive(over socket: Int32) -> Int32? {
        var byte: UInt8 = 0
        let controlLength = MemoryLayout<cmsghdr>.stride + MemoryLayout<Int32>.stride + 8
        var control = [UInt8](repeating: 0, count: controlLength)
        return withUnsafeMutablePointer(to: &byte) { bytePointer -> Int32? in
            var vector = iovec(iov_base: bytePointer, iov_len: 1)
            return control.withUnsafeMutableBytes { controlBytes -> Int32? in
                withUnsafeMutablePointer(to: &vector) { vectorPointer -> Int32? in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBytes.baseAddress
                    message.msg_controllen = controlBytes.count
                    guard (try? systemCall({ recvmsg(socket, &message, 0) })) ?? 0 > 0 else { return nil }
                    guard message.msg_controllen >= MemoryLayout<cmsghdr>.stride,
                          let base = controlBytes.baseAddress else { return nil }
                    let header = base.loadUnaligned(as: cmsghdr.self)
                    guard header.cmsg_level == SOL_SOCKET, header.cmsg_type == Int32(SCM_RIGHTS) else { return nil }
                    return base.loadUnaligned(fromByteOffset: MemoryLayout<cmsghdr>.stride, as: Int32.self)
                }
            }
        }
    }
}
