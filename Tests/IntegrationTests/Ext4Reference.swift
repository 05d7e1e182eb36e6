/// A fresh ext4 on a loop image inside `scratch`, unmounted in `deinit`: the reference answers of the tests that
/// compare system calls (`HostileCallTests`, `DifferentialTests`).
final class Ext4Reference {
    let path: String

    init(in scratch: ScratchDirectory) throws {
        path = "\(scratch.path)/ext4"
        let image = "\(scratch.path)/ext4.img"
        try Shell.check("truncate -s 512M \(image) && mkfs.ext4 -q \(image) && mkdir -p \(path) && mount -o loop \(image) \(path)",
                        timeLimit: 60)
    }

    /// Unmounts and mounts the image again: the kernel forgets everything it held of the file system.
    func remount() throws {
        try Shell.check("umount \(path) && mount -o loop \(path).img \(path)", timeLimit: 60)
    }

    deinit { BentoMount.stop(pid: nil, mountPoint: path) }
}
