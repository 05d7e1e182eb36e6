import BentoTesting
import Foundation
import Testing
import TinyFS

/// Bento's behaviour suite on TinyFS, in-process: every case but those naming what TinyFS leaves out.
@Suite struct TinyFSBehaviour {
    /// The cases TinyFS does not pass, by what it leaves out: TinyFS has no hard or symbolic links, extended
    /// attributes, ACLs, inode flags, fallocate, holes, rename flags, O_TMPFILE, access times on reads or set-id
    /// clearing. Bento's own file systems pass them all.
    static let lacks: Set<String> = [
        "aChownNamingNeitherOwnerNorGroupClearsSetIDAndNeedsTheOwner",
        "aDanglingSymlinkFailsStatButNotLstat",
        "aDefaultACLIsInheritedInsteadOfTheUmask",
        "aReadSetsAnAccessTimeNotAfterTheLastChangeOnceAsRelatime",
        "aWriterWhoIsNotTheOwnerClearsSetIDBits",
        "anACLTheModeSaysAllOfSetsTheModeAndIsNotKept",
        "anAccessACLGrantsANamedUserWhatTheModeDenies",
        "anExclusiveUnnamedFileCannotBeNamedAndGoesAtClose",
        "anUnnamedFileIsWrittenThenNamedWithLinkat",
        "chattrAppendOnlyAllowsOnlyAppending",
        "chattrImmutableRefusesEveryChangeUntilCleared",
        "chattrKeepsNoDumpAndNoAtimeAndRefusesFlagsItCannotKeep",
        "fallocateExtendsTheSizeWithZeros",
        "fallocatePunchHoleReadsZerosAndKeepsTheSize",
        "hardLinksShareDataAndCountLinks",
        "listingADirectorySetsItsAccessTimeAsRelatime",
        "onlyTheOwnerSetsACLsAndADefaultOneOnlyOnADirectory",
        "openWithNoFollowOnASymlinkFailsWithELOOP",
        "removingASymlinkLeavesItsTarget",
        "renameExchangeSwapsTwoNames",
        "renameNoReplaceRefusesAnExistingTarget",
        "renameOfOneObjectOntoItselfDoesNothing",
        "renameWhiteoutLeavesACharacterDeviceZeroZeroAtTheOldName",
        "seekDataAndSeekHoleFindTheHolesOfASparseFile",
        "settingAnACLOutsideTheFilesGroupClearsSetGroupID",
        "symlinkLoopsFailWithELOOP",
        "symlinkReadlinkAndLstatVersusStat",
        "symlinksInsideAPathAreFollowed",
        "theMaskBoundsNamedEntriesAndFollowsChmod",
        "userXattrsFollowTheFilesReadAndWritePermissions",
        "xattrCallsFollowSymlinks",
        "xattrsAreCreatedReplacedListedAndRemoved",
    ]

    @Test(arguments: BehaviourCase.all.filter { !lacks.contains($0.name) })
    func behaves(_ behaviour: BehaviourCase) throws {
        try BehaviourRun.inProcess(behaviour, on: TinyFS())
    }

    /// The same cases through the kernel, each on a fresh mount of the module by `bento` (as root; CI=true makes
    /// that a failure rather than a skip).
    @Test(.enabled(if: getuid() == 0 || ProcessInfo.processInfo.environment["CI"] == "true"),
          arguments: BehaviourCase.all.filter { !lacks.contains($0.name) })
    func behavesMounted(_ behaviour: BehaviourCase) throws {
        let mountpoint = try TinyFSMount.mount()
        defer { TinyFSMount.unmount(mountpoint) }
        try BehaviourRun.throughKernel(behaviour, in: mountpoint)
    }
}
