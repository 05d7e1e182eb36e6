import BentoKit
import Testing

@Suite struct OwnershipTests {
    let stranger = Request(uid: UserID(1000), gid: GroupID(1000))

    func file(_ permissions: UInt32, owner: UInt32 = 0) -> Ownership {
        Ownership(mode: FileMode(type: .regular, permissions: permissions), uid: UserID(owner), gid: GroupID(0))
    }

    /// An empty setattr (chown naming neither owner nor group, or the kernel clearing set-id bits before a write)
    /// is refused only where it would clear a bit for someone who neither owns nor may write the file.
    @Test func anEmptyChangeIsRefusedOnlyToAStrangerWhoCannotWrite() {
        #expect(file(0o4755).refusesEmptyChown(by: stranger))
        #expect(!file(0o4757).refusesEmptyChown(by: stranger))  // others may write: the write path
        #expect(!file(0o4775).refusesEmptyChown(by: stranger))  // a group may write: perhaps through a supplementary one
        #expect(!file(0o4755, owner: 1000).refusesEmptyChown(by: stranger))
        #expect(!file(0o4755).refusesEmptyChown(by: .root))
        #expect(!file(0o0755).refusesEmptyChown(by: stranger))  // nothing to clear
        #expect(!file(0o2745).refusesEmptyChown(by: stranger))  // set-group-id without group execute stays
        #expect(AttributeChanges().isChownOfNothing && AttributeChanges(changeTime: .now).isChownOfNothing)
        #expect(!AttributeChanges(uid: UserID(1)).isChownOfNothing)
    }
}
