import BentoServices
import Foundation
import Testing

@Suite struct FileBlockDeviceTests {
    @Test func blocksWrittenToAnImageAreReadBack() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let device = try FileBlockDevice.create(path: scratch.file("image"), size: 64 * 4096)
        #expect(device.blockCount == 64)
        #expect(!device.isBlockDevice)
        try roundTrip(device)
        let permissions = try FileManager.default.attributesOfItem(atPath: scratch.file("image"))[.posixPermissions] as? Int
        #expect(permissions.map { $0 & 0o7600 == 0o600 } == true, "a new image is rw for its owner: \(String(permissions ?? 0, radix: 8))")
    }

    @Test func directIOBlocksAreReadBack() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        _ = try FileBlockDevice.create(path: scratch.file("image"), size: 64 * 4096)
        let device = try FileBlockDevice(path: scratch.file("image"), direct: true)
        #expect(device.isDirect)
        try roundTrip(device)
        let buffered = try FileBlockDevice(path: scratch.file("image"), blockSize: 1024)
        #expect(buffered.blockCount == 256)
        #expect(try buffered.read(BlockNumber(20)) == filled(0x55, 1024))
    }

    @Test func anImageSmallerThanABlockOrNotAWholeNumberOfBlocksIsRefused() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        _ = FileManager.default.createFile(atPath: scratch.file("tiny"), contents: Data(count: 100))
        _ = FileManager.default.createFile(atPath: scratch.file("ragged"), contents: Data(count: 4096 + 100))
        #expect(throws: Errno.invalidArgument) { try FileBlockDevice(path: scratch.file("tiny")) }
        #expect(throws: Errno.invalidArgument) { try FileBlockDevice(path: scratch.file("ragged")) }
        #expect(throws: Errno.invalidArgument) { try FileBlockDevice(path: scratch.file("ragged"), blockSize: 1000) }
        #expect(throws: Errno.noSuchFileOrDirectory) { try FileBlockDevice(path: scratch.file("missing")) }
        #expect(throws: Errno.isDirectory) { try FileBlockDevice(path: scratch.path) }
        #expect(FileBlockDevice.openFailure(path: scratch.file("ragged"))?.contains("4196 bytes, not a multiple of the 4096-byte block size") == true)
        #expect(FileBlockDevice.openFailure(path: scratch.file("tiny"))?.contains("smaller than one 4096-byte block") == true)
    }

    @Test func badBlockNumbersAndByteCountsAreErrors() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let device = try FileBlockDevice.create(path: scratch.file("image"), size: 8 * 4096)
        #expect(throws: Errno.noSuchAddressOrDevice) { try device.read(BlockNumber(8)) }
        #expect(throws: Errno.noSuchAddressOrDevice) { try device.read(BlockNumber(7), count: 2) }
        #expect(throws: Errno.noSuchAddressOrDevice) { try device.write(BlockNumber(8), filled(1, 4096)) }
        #expect(throws: Errno.invalidArgument) { try device.write(BlockNumber(0), filled(1, 4095)) }
        #expect(throws: Errno.invalidArgument) { try device.write(startingAt: BlockNumber(0), filled(1, 6000)) }
        let readOnly = try FileBlockDevice(path: scratch.file("image"), readOnly: true)
        #expect(throws: Errno.badFileDescriptor) { try readOnly.write(BlockNumber(0), filled(1, 4096)) }
    }

    @Test func aLoopDeviceWorksAndIsOpenedExclusively() throws {
        guard let loop = try LoopDevice.attach(size: 16 * 4096) else { return }
        defer { loop.detach() }
        do {
            let device = try FileBlockDevice(path: loop.path)
            #expect(device.isBlockDevice)
            #expect(device.blockCount == 16)
            try roundTrip(device)
            #expect(throws: Errno.resourceBusy) { try FileBlockDevice(path: loop.path) }
            #expect(FileBlockDevice.openFailure(path: loop.path)?.contains("is busy") == true)
        }
        let direct = try FileBlockDevice(path: loop.path, direct: true, readOnly: true)
        #expect(try direct.read(BlockNumber(5)) == filled(0x55, 4096))
    }

    /// A device taken over by descriptor (a live upgrade's new version) is the same open device: writes show
    /// through either, the claim on a block device outlives the first one's close, and the mode is kept.
    @Test func aDeviceTakenOverByDescriptorSharesTheOpenDevice() throws {
        guard let loop = try LoopDevice.attach(size: 16 * 4096) else { return }
        defer { loop.detach() }
        var first: FileBlockDevice? = try FileBlockDevice(path: loop.path, direct: true)
        let second = try FileBlockDevice.duplicating(descriptor: try #require(first?.descriptor), path: loop.path)
        #expect(second.isBlockDevice && second.isDirect && second.blockCount == 16)
        try first?.write(BlockNumber(3), filled(7, 4096))
        #expect(try second.read(BlockNumber(3)) == filled(7, 4096))
        first = nil
        try roundTrip(second)
        #expect(throws: Errno.resourceBusy) { try FileBlockDevice(path: loop.path) }
        #expect(throws: DeviceOpenError.self) { try FileBlockDevice.duplicating(descriptor: 9999, path: "nothing") }
    }

    /// Writes single and multi-block runs, flushes, reads them back.
    private func roundTrip(_ device: FileBlockDevice) throws {
        try device.write(BlockNumber(5), filled(0x55, 4096))
        try device.write(startingAt: BlockNumber(10), filled(1, 4096) + filled(2, 4096))
        try device.flush()
        #expect(try device.read(BlockNumber(5)) == filled(0x55, 4096))
        #expect(try device.read(BlockNumber(10), count: 2) == filled(1, 4096) + filled(2, 4096))
        #expect(try device.read(BlockNumber(0)) == filled(0, 4096))
    }
}

/// A loop device over a scratch image (`losetup -f --show`), detached by `detach()`.
struct LoopDevice {
    let path: String
    let scratch: ScratchDirectory

    /// Attaches one, or returns nil (skipping) when loop devices are unavailable — unless CI=true, where it fails.
    static func attach(size: UInt64) throws -> LoopDevice? {
        let scratch = try ScratchDirectory()
        let image = scratch.file("loop-image")
        _ = FileManager.default.createFile(atPath: image, contents: Data(count: Int(size)))
        let (status, output) = run("/usr/sbin/losetup", ["-f", "--show", image])
        guard status == 0, output.hasPrefix("/dev/loop") else {
            scratch.remove()
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("losetup failed (\(status)): \(output)")
            }
            return nil
        }
        return LoopDevice(path: output, scratch: scratch)
    }

    func detach() {
        _ = run("/usr/sbin/losetup", ["-d", path])
        scratch.remove()
    }

    /// Runs a program and returns its exit status and trimmed standard output (plus error).
    private static func run(_ program: String, _ arguments: [String]) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private func run(_ program: String, _ arguments: [String]) -> (Int32, String) { Self.run(program, arguments) }
}

extension FileBlockDevice {
    /// The message `open` fails with, or nil if it opens.
    static func openFailure(path: String) -> String? {
        do {
            _ = try FileBlockDevice.open(path: path)
            return nil
        } catch {
            return error.message
        }
    }
}
