/// A failure of the host (mounting, channels, control socket) described for a person: what is wrong and the fix.
public struct HostError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The message.
    public let description: String

    /// An error with the given message.
    public init(_ description: String) { self.description = description }
}
