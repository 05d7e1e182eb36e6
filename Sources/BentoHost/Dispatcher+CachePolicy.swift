import BentoKit
import FUSEWire
import Synchronization

// The file system's cache policy (BentoKit's `CachePolicy`) turned into what the kernel reads: timeouts for
// entries and attributes that leave theirs unset (filled in by the encoders), negative entries for missing names,
// and open flags that keep file data and directory listings. Set once, by INIT, and fixed for the mount: the
// kernel already holds what earlier replies let it keep, so a live upgrade cannot take it back.

/// A cache policy in a reference, so that it can be published once and read without a lock.
final class CachePolicyBox: Sendable {
    let policy: CachePolicy
    init(_ policy: CachePolicy) { self.policy = policy }
}

extension Dispatcher {
    /// The mount's cache policy: what the file system declared at INIT, `.conservative` before.
    var policy: CachePolicy { cachePolicy.load()?.policy ?? .conservative }

    /// Records the policy the file system declared at INIT; later declarations (a live upgrade's) change nothing.
    func adopt(_ policy: CachePolicy) {
        _ = cachePolicy.storeIfNil(CachePolicyBox(policy))
    }

    /// A LOOKUP's reply: the entry (counted), or, for a missing name under a policy that caches absences, a
    /// negative entry the kernel keeps instead of asking again.
    func lookupReply(_ lookup: () throws(Errno) -> Entry) throws(Errno) -> ReplyBody {
        do {
            return .entry(counted(try lookup()))
        } catch .noSuchFileOrDirectory {
            guard let timeout = policy.negativeTimeout else { throw .noSuchFileOrDirectory }
            return .negativeEntry(timeout)
        }
    }

    /// `reply` with the options the policy adds to every open of a file.
    func withFileCaching(_ reply: OpenReply) -> OpenReply {
        var reply = reply
        if policy.keepsFileData { reply.options.insert(.keepCache) }
        return reply
    }

    /// `reply` with the options the policy adds to every open of a directory.
    func withDirectoryCaching(_ reply: OpenReply) -> OpenReply {
        var reply = reply
        if policy.cachesDirectoryListings { reply.options.formUnion([.cacheDirectory, .keepCache]) }
        return reply
    }
}
