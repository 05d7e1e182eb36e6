import BentoHost
import BentoKit
import FUSEWire
import Testing

/// The file system's `CachePolicy` as the kernel reads it: timeouts of entries and attributes that leave theirs
/// unset, negative entries, and the open flags that keep data and listings cached.
@Suite struct DispatcherCachePolicyTests {
    /// A dispatcher over the dictionary file system declaring `policy` at INIT.
    private func dispatcher(_ policy: CachePolicy?) -> Dispatcher {
        Dispatcher.started(DictionaryTestFileSystem { connection in
            if let policy { connection.cachePolicy = policy }
        })
    }

    /// `fuse_entry_out`'s `entry_valid` and `attr_valid` seconds.
    private func validity(_ reply: ParsedReply) -> (entry: UInt64, attributes: UInt64) { (reply.u64(at: 16), reply.u64(at: 24)) }

    @Test func aSoleWriterCachesNamesAttributesAndAbsencesForever() throws {
        let dispatcher = dispatcher(.soleWriter)
        let year = UInt64(CachePolicy.forever.components.seconds)
        let found = try #require(dispatcher.reply(request(.lookup, unique: 2, cString("hello.txt"))))
        #expect(found.error == 0 && validity(found) == (year, year))
        let attributes = try #require(dispatcher.reply(request(.getattr, unique: 4, nodeID: found.u64(at: 0), u32(0) + u32(0) + u64(0))))
        #expect(attributes.error == 0 && attributes.u64(at: 0) == year)  // attr_valid
        let missing = try #require(dispatcher.reply(request(.lookup, unique: 6, cString("missing"))))
        #expect(missing.error == 0 && missing.body.count == 128)
        #expect(missing.u64(at: 0) == 0 && validity(missing) == (year, 0))  // node id 0: "absent", kept a year
        #expect(dispatcher.outstandingLookups == 1)  // a negative entry is no lookup to forget
    }

    @Test func withoutADeclarationNamesLiveASecondAndAbsencesAreNotCached() throws {
        let dispatcher = dispatcher(nil)
        let found = try #require(dispatcher.reply(request(.lookup, unique: 2, cString("hello.txt"))))
        #expect(validity(found) == (1, 1))
        #expect(dispatcher.reply(request(.lookup, unique: 4, cString("missing")))?.error == -Errno.noSuchFileOrDirectory.rawValue)
    }

    @Test func openFlagsKeepDataAndListingsAsThePolicySays() throws {
        let keepCache: UInt32 = 1 << 1, cacheDirectory: UInt32 = 1 << 3  // FOPEN_KEEP_CACHE, FOPEN_CACHE_DIR
        for (policy, file, directory) in [(CachePolicy.soleWriter, keepCache, keepCache | cacheDirectory),
                                          (.sharedSource(.never), 0, 0)] {
            let dispatcher = dispatcher(policy)
            let inode = try #require(dispatcher.reply(request(.lookup, unique: 2, cString("hello.txt")))).u64(at: 0)
            #expect(dispatcher.reply(request(.open, unique: 4, nodeID: inode, u32(0) + u32(0)))?.u32(at: 8) == file)
            #expect(dispatcher.reply(request(.opendir, unique: 6, u32(0) + u32(0)))?.u32(at: 8) == directory)
        }
    }

    @Test func neverCachesNothingAndAnEntrysOwnTimeoutWins() throws {
        let never = dispatcher(.sharedSource(.never))
        let found = try #require(never.reply(request(.lookup, unique: 2, cString("hello.txt"))))
        #expect(validity(found) == (0, 0))
        var entry = Entry(attributes: Attributes(inode: Inode(9), mode: FileMode(type: .regular, permissions: 0o644)),
                          entryTimeout: .seconds(7))
        entry.attributeTimeout = nil
        let (head, _) = ReplyEncoder.encode(.entry(entry), unique: 2, policy: .soleWriter)
        let reply = ParsedReply(Reply(head: head))
        #expect(validity(reply) == (7, UInt64(CachePolicy.forever.components.seconds)))
    }
}
