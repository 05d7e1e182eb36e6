import CLinux

/// Who is at the other end of a connected Unix socket.
public enum PeerCredentials {
    /// The user id of the process that connected to `socket` (`SO_PEERCRED`), nil if the kernel does not say.
    public static func userID(of socket: Int32) -> UInt32? {
        var uid: UInt32 = 0
        return bento_peer_user(socket, &uid) == 1 ? uid : nil
    }

    /// The process id of the process that connected to `socket` (`SO_PEERCRED`), nil if the kernel does not say.
    public static func processID(of socket: Int32) -> Int32? {
        var pid: Int32 = 0
        return bento_peer_process(socket, &pid) == 1 ? pid : nil
    }
}
