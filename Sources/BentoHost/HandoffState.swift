import BentoKit
import FUSEWire

/// What a daemon hands to the process that takes its mount over (`Session+Handoff.swift`), besides the open
/// descriptors that travel beside it (`SCM_RIGHTS`, in this order: the session's `/dev/fuse` descriptor, the file
/// system's state descriptors, the descriptors the daemon holds for the mount's life such as an image lock).
///
/// Encoding (`StateWriter`): format version, mount point, source, type name, option list, fsname (empty: none),
/// requested transport, the negotiation (protocol minor, max write, max readahead, capabilities, INIT flags),
/// outstanding lookups, pid file (empty: none), the file system's state (format, version, bytes, descriptor
/// count), held descriptor count. A reader refuses another format version.
struct HandoffState: Sendable, Equatable {
    static let version: UInt32 = 1

    var mountpoint: String
    var source: String
    var typeName: String
    /// `MountOptions.list`, parsed again by the new daemon.
    var optionList: String
    var fsName: String?
    var requestedTransport: Transport
    var negotiation: Negotiation
    /// Lookups the kernel holds (`bento stats`' `outstanding_lookups`).
    var lookups: Int64
    var pidFile: String?
    /// The file system's upgrade state; its `descriptors` are the old process's numbers when sent, the new one's
    /// once received.
    var fileSystem: UpgradeState
    /// How many descriptors the daemon holds for the mount's life.
    var heldCount: Int

    /// The descriptors that travel with the state, in order.
    func descriptors(fuse: Int32, held: [Int32]) -> [Int32] { [fuse] + fileSystem.descriptors + held }

    var encoded: [UInt8] {
        var out = StateWriter()
        out.write(Self.version)
        for text in [mountpoint, source, typeName, optionList, fsName ?? "", requestedTransport.rawValue] {
            out.write(Array(text.utf8))
        }
        out.write(negotiation.protocolMinor)
        out.write(negotiation.maximumWrite)
        out.write(negotiation.maximumReadahead)
        out.write(negotiation.capabilities.rawValue)
        out.write(negotiation.flags.rawValue)
        out.write(lookups)
        out.write(Array((pidFile ?? "").utf8))
        out.write(Array(fileSystem.format.utf8))
        out.write(fileSystem.version)
        out.write(fileSystem.bytes)
        out.write(fileSystem.descriptors.count)
        out.write(heldCount)
        return out.bytes
    }

    /// Bounds on the descriptors one handoff carries (they travel in one message).
    enum DescriptorLimit {
        static let state = 16, held = 16
    }
}

// In an extension, so that the struct keeps its memberwise initializer.
extension HandoffState {
    /// Decodes `bytes`; the file system's descriptors are placeholders (-1) until received.
    init(decoding bytes: [UInt8]) throws(HostError) {
        var input = StateReader(bytes)
        let version = try? input.readUInt32()
        guard version == Self.version else {
            throw HostError("the old daemon sent handoff state version \(version.map(String.init) ?? "none"); "
                + "this build reads version \(Self.version)")
        }
        do { self = try Self.decode(&input) } catch {
            throw HostError("the old daemon's handoff state is malformed (\(error))")
        }
    }

    private static func decode(_ input: inout StateReader) throws(Errno) -> HandoffState {
        func text() throws(Errno) -> String { String(decoding: try input.readBytes(), as: UTF8.self) }
        let (mountpoint, source, typeName, optionList, fsName) = (try text(), try text(), try text(), try text(), try text())
        guard let transport = Transport(rawValue: try text()) else { throw .invalidArgument }
        let negotiation = Negotiation(protocolMinor: try input.readUInt32(), maximumWrite: try input.readUInt32(),
                                      maximumReadahead: try input.readUInt32(),
                                      capabilities: Capabilities(rawValue: try input.readUInt64()),
                                      flags: InitFlags(rawValue: try input.readUInt64()))
        let lookups = try input.readInt64()
        let pidFile = try text()
        let format = try text()
        let stateVersion = try input.readUInt32()
        let stateBytes = try input.readBytes()
        let count = try input.readCount()
        let heldCount = try input.readCount()
        guard count <= DescriptorLimit.state, heldCount <= DescriptorLimit.held, input.isAtEnd else { throw .invalidArgument }
        return HandoffState(
            mountpoint: mountpoint, source: source, typeName: typeName, optionList: optionList,
            fsName: fsName.isEmpty ? nil : fsName, requestedTransport: transport, negotiation: negotiation,
            lookups: lookups, pidFile: pidFile.isEmpty ? nil : pidFile,
            fileSystem: UpgradeState(format: format, version: stateVersion, bytes: stateBytes,
                                     descriptors: Array(repeating: -1, count: count)),
            heldCount: heldCount)
    }
}
