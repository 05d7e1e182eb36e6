import BentoKit
import BentoSystem
import FUSEWire

/// Registers open host files with the kernel as backing files of passthrough opens. The dispatcher gets one
/// injected (the session's `/dev/fuse` channel; a fake in tests), so it stays transport-agnostic.
public protocol BackingFiles: Sendable {
    /// Registers the open file `descriptor` names; the kernel keeps its own reference to it, so the descriptor may
    /// close once this returns. Throws what the kernel refused with (EPERM without CAP_SYS_ADMIN, EINVAL or EISDIR
    /// for a file that is not regular, ELOOP past the negotiated stack depth).
    func register(_ descriptor: Int32) throws(Errno) -> BackingID

    /// Drops `id`; open files already passed through keep their backing file.
    func unregister(_ id: BackingID)
}

/// The kernel's own registry, reached through the session's channel (`FUSE_DEV_IOC_BACKING_OPEN`/`_CLOSE`).
extension Channel: BackingFiles {
    /// Registers `descriptor` with `FUSE_DEV_IOC_BACKING_OPEN` on this channel's session.
    public func register(_ descriptor: Int32) throws(Errno) -> BackingID {
        var map = DeviceControl.backingMap(descriptor)
        let id = try deviceControl(self.descriptor, DeviceControl.backingOpen, argument: &map)
        guard let backing = BackingID(rawValue: id) else { throw .ioError }
        return backing
    }

    /// Drops `id` with `FUSE_DEV_IOC_BACKING_CLOSE`; an id the kernel no longer knows is no error worth reporting.
    public func unregister(_ id: BackingID) {
        var argument = DeviceControl.word(UInt32(bitPattern: id.rawValue))
        _ = try? deviceControl(descriptor, DeviceControl.backingClose, argument: &argument)
    }
}
