import BentoSystem
import Foundation

/// Attaches a `/dev/fuse` channel to a directory: `mount(2)` when running as root, `fusermount3` otherwise
/// (it mounts for us and passes the channel back over a Unix socket, `_FUSE_COMMFD`).
public enum Mounter {
    /// The kernel mount data and flags for a mount with these options.
    static func kernelOptions(descriptor: Int32, options: MountOptions) -> (data: String, flags: KernelMount.Flags) {
        var data = ["fd=\(descriptor)", "rootmode=40000", "user_id=\(HostProcess.userID)", "group_id=\(HostProcess.groupID)"]
        if options.allowOther { data.append("allow_other") }
        if options.defaultPermissions { data.append("default_permissions") }
        if let maxRead = options.maxRead { data.append("max_read=\(maxRead)") }
        var flags: KernelMount.Flags = [.noSetID, .noDevices]
        if options.extra["suid"] != nil { flags.remove(.noSetID) }
        if options.extra["dev"] != nil { flags.remove(.noDevices) }
        if options.readOnly { flags.insert(.readOnly) }
        switch options.accessTimes {  // what /proc/mounts shows; the file system applies the rule (AccessTimes)
        case .relatime: flags.insert(.relativeAccessTime)
        case .strictatime: flags.insert(.strictAccessTime)
        case .noatime: flags.insert(.noAccessTime)
        }
        return (data.joined(separator: ","), flags)
    }

    /// Checks that `mountpoint` is an existing directory and returns its absolute path.
    public static func validatedMountpoint(_ mountpoint: String) throws(HostError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: mountpoint, isDirectory: &isDirectory) else {
            throw HostError("\(mountpoint) does not exist: create the MOUNTPOINT directory first")
        }
        guard isDirectory.boolValue else { throw HostError("\(mountpoint) is not a directory: MOUNTPOINT must be one") }
        return URL(fileURLWithPath: mountpoint).standardizedFileURL.path
    }

    /// Mounts a new FUSE file system on `mountpoint` and returns the session's channel.
    public static func mount(at mountpoint: String, source: String, type: String,
                             options: MountOptions) throws(HostError) -> Channel {
        let path = try validatedMountpoint(mountpoint)
        if !HostProcess.isRoot { return try mountWithFusermount(at: path, source: source, type: type, options: options) }
        let channel = try Channel.open()
        let (data, flags) = kernelOptions(descriptor: channel.descriptor, options: options)
        let fsType = "fuse." + (options.subtype ?? type)
        let fsName = options.fsName ?? source
        do {
            try KernelMount.mount(fsName, on: path, type: fsType, flags: flags, data: data)
        } catch {
            throw HostError("mounting \(fsType) on \(path) failed: \(error)")
        }
        return channel
    }

    /// Detaches the mount at `mountpoint` (lazily: open files keep working until closed).
    public static func unmount(_ mountpoint: String) throws(HostError) {
        if !HostProcess.isRoot {
            try runFusermount(["-u", "-z", "--", mountpoint], environment: [:])
            return
        }
        do {
            try KernelMount.detach(mountpoint)
        } catch .invalidArgument {
            return  // not mounted any more
        } catch {
            throw HostError("unmounting \(mountpoint) failed: \(error)")
        }
    }
}
