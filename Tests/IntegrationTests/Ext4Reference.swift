import BentoTesting
/// A fresh ext4 on a loop image inside `scratch`, unmounted in `deinit`: the reference answers of the tests that
/// compare system calls (`HostileCallTests`, `DifferentialTests`).
final class Ext4Reference {
    let path: String

    /// Makes and mounts it, with `options` (`noatime`) added to `-o loop` when given.
    init(in scratch: ScratchDirectory, options: String? = nil) throws {
        path = "\(scratch.path)/ext4"
        let image = "\(scratch.path)/ext4.img"
        let mountOptions = ["loop", options].compactMap { $0 }.joined(separator: ",")
        try Shell.check("truncate -s 512M \(image) && mkfs.ext4 -q \(image) && mkdir -p \(path) && mount -o \(mountOptions) \(image) \(path)",
                        timeLimit: 60)
    }

    /// Unmounts and mounts the image again: the kernel forgets everything it held of the file system.
    func remount() throws {
        try Shell.check("umount \(path) && mount -o loop \(path).img \(path)", timeLimit: 60)
    }

    deinit { BentoMount.stop(pid: nil, mountPoint: path) }
}
