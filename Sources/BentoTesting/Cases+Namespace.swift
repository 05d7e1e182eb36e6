import BentoKit
import Testing

// Names: making and removing directories, rename in all its forms, listings, path resolution rules.

let namespaceCases: [BehaviourCase] = [
    BehaviourCase("mkdirOfAnExistingNameFailsWithEEXIST") { w in
        try w.driver.mkdir(w.path("d"), mode: 0o755)
        try w.create("f")
        #expect(failure { try w.driver.mkdir(w.path("d"), mode: 0o755) } == .fileExists)
        #expect(failure { try w.driver.mkdir(w.path("f"), mode: 0o755) } == .fileExists)
        #expect(failure { try w.driver.mkdir(w.path("d/.."), mode: 0o755) } == .fileExists)
    },
    BehaviourCase("newDirectoriesHaveTwoLinksAndAddOneToTheirParent") { w in
        let before = try w.driver.stat(w.root).linkCount
        try w.driver.mkdir(w.path("d"), mode: 0o750)
        let attributes = try w.driver.stat(w.path("d"))
        #expect(attributes.linkCount == 2)
        #expect(attributes.mode == FileMode(type: .directory, permissions: 0o750))
        #expect(try w.driver.stat(w.root).linkCount == before + 1)
        try w.driver.rmdir(w.path("d"))
        #expect(try w.driver.stat(w.root).linkCount == before)
    },
    BehaviourCase("rmdirOfANonEmptyDirectoryFailsWithENOTEMPTY") { w in
        try w.driver.mkdir(w.path("d"), mode: 0o755)
        try w.create("d/f")
        #expect(failure { try w.driver.rmdir(w.path("d")) } == .directoryNotEmpty)
        try w.driver.unlink(w.path("d/f"))
        try w.driver.rmdir(w.path("d"))
        #expect(try w.names() == [])
    },
    BehaviourCase("rmdirWantsADirectoryAndUnlinkRefusesOne") { w in
        try w.create("f")
        try w.driver.mkdir(w.path("d"), mode: 0o755)
        #expect(failure { try w.driver.rmdir(w.path("f")) } == .notDirectory)
        #expect(failure { try w.driver.unlink(w.path("d")) } == .isDirectory)
        #expect(failure { try w.driver.rmdir(w.path("d/.")) } == .invalidArgument)
        #expect(failure { try w.driver.unlink(w.path("missing")) } == .noSuchFileOrDirectory)
    },
    BehaviourCase("renameMovesAFileAndItsContents") { w in
        try w.driver.mkdir(w.path("d"), mode: 0o755)
        try w.create("a", bytes("payload"))
        let inode = try w.driver.stat(w.path("a")).inode
        try w.driver.rename(from: w.path("a"), to: w.path("d/b"), flags: [])
        #expect(failure { _ = try w.driver.stat(w.path("a")) } == .noSuchFileOrDirectory)
        #expect(try w.driver.stat(w.path("d/b")).inode == inode)
        #expect(try w.contents("d/b") == bytes("payload"))
    },
    BehaviourCase("renameOverAFileReplacesIt") { w in
        try w.create("a", bytes("new"))
        try w.create("b", bytes("old"))
        try w.driver.rename(from: w.path("a"), to: w.path("b"), flags: [])
        #expect(try w.names() == ["b"])
        #expect(try w.contents("b") == bytes("new"))
    },
    BehaviourCase("renameOfADirectoryOverAnEmptyDirectoryReplacesIt") { w in
        try w.driver.mkdir(w.path("a"), mode: 0o755)
        try w.create("a/inside")
        try w.driver.mkdir(w.path("b"), mode: 0o755)
        try w.driver.rename(from: w.path("a"), to: w.path("b"), flags: [])
        #expect(try w.names() == ["b"])
        #expect(try w.names("b") == ["inside"])
    },
    BehaviourCase("renameOverANonEmptyDirectoryFailsWithENOTEMPTY") { w in
        try w.driver.mkdir(w.path("a"), mode: 0o755)
        try w.driver.mkdir(w.path("b"), mode: 0o755)
        try w.create("b/f")
        #expect(failure { try w.driver.rename(from: w.path("a"), to: w.path("b"), flags: []) } == .directoryNotEmpty)
        #expect(try w.names() == ["a", "b"])
    },
    BehaviourCase("renameOfADirectoryIntoItsOwnSubtreeFailsWithEINVAL") { w in
        try w.driver.mkdir(w.path("a"), mode: 0o755)
        try w.driver.mkdir(w.path("a/b"), mode: 0o755)
        #expect(failure { try w.driver.rename(from: w.path("a"), to: w.path("a/b/c"), flags: []) } == .invalidArgument)
        #expect(failure { try w.driver.rename(from: w.path("a"), to: w.path("a/c"), flags: []) } == .invalidArgument)
    },
    BehaviourCase("renameBetweenAFileAndADirectoryFails") { w in
        try w.create("f")
        try w.driver.mkdir(w.path("d"), mode: 0o755)
        #expect(failure { try w.driver.rename(from: w.path("f"), to: w.path("d"), flags: []) } == .isDirectory)
        #expect(failure { try w.driver.rename(from: w.path("d"), to: w.path("f"), flags: []) } == .notDirectory)
    },
    BehaviourCase("renameNoReplaceRefusesAnExistingTarget") { w in
        try w.create("a", bytes("a"))
        try w.create("b", bytes("b"))
        #expect(failure { try w.driver.rename(from: w.path("a"), to: w.path("b"), flags: .noReplace) } == .fileExists)
        try w.driver.rename(from: w.path("a"), to: w.path("c"), flags: .noReplace)
        #expect(try w.names() == ["b", "c"])
    },
    BehaviourCase("renameExchangeSwapsTwoNames") { w in
        try w.create("f", bytes("file"))
        try w.driver.mkdir(w.path("d"), mode: 0o755)
        try w.create("d/inside")
        try w.driver.rename(from: w.path("f"), to: w.path("d"), flags: .exchange)
        #expect(try w.contents("d") == bytes("file"))
        #expect(try w.names("f") == ["inside"])
        #expect(failure { try w.driver.rename(from: w.path("f"), to: w.path("missing"), flags: .exchange) }
                == .noSuchFileOrDirectory)
    },
    BehaviourCase("renameWhiteoutLeavesACharacterDeviceZeroZeroAtTheOldName") { w in
        try w.create("a", bytes("moved"))
        try w.create("b", bytes("replaced"))
        try w.driver.rename(from: w.path("a"), to: w.path("b"), flags: .whiteout)
        #expect(try w.contents("b") == bytes("moved"))
        let whiteout = try w.driver.lstat(w.path("a"))
        #expect(whiteout.mode == FileMode(type: .characterDevice, permissions: 0) && whiteout.device == 0)
        #expect(whiteout.linkCount == 1 && whiteout.uid == .root && whiteout.size == 0)
        try w.driver.mkdir(w.path("d"), mode: 0o755)
        try w.driver.rename(from: w.path("d"), to: w.path("e"), flags: [.whiteout, .noReplace])
        #expect(try w.driver.lstat(w.path("d")).mode.type == .characterDevice)
        #expect(try w.driver.stat(w.path("e")).mode.isDirectory && w.driver.stat(w.root).linkCount == 3)
        #expect(failure { try w.driver.rename(from: w.path("b"), to: w.path("e"), flags: [.whiteout, .noReplace]) } == .fileExists)
        #expect(failure { try w.driver.rename(from: w.path("b"), to: w.path("e"), flags: [.whiteout, .exchange]) } == .invalidArgument)
    },
    BehaviourCase("renameOfADirectoryToAnotherParentMovesItsDotDotLink") { w in
        try w.driver.mkdir(w.path("p"), mode: 0o755)
        try w.driver.mkdir(w.path("q"), mode: 0o755)
        try w.driver.mkdir(w.path("p/d"), mode: 0o755)
        try w.driver.rename(from: w.path("p/d"), to: w.path("q/d"), flags: [])
        #expect(try w.driver.stat(w.path("p")).linkCount == 2)
        #expect(try w.driver.stat(w.path("q")).linkCount == 3)
        #expect(try w.driver.stat(w.path("q/d/..")).inode == w.driver.stat(w.path("q")).inode)
    },
    BehaviourCase("renameOfOneObjectOntoItselfDoesNothing") { w in
        try w.create("a", bytes("x"))
        try w.driver.link(w.path("a"), w.path("b"))
        try w.driver.rename(from: w.path("a"), to: w.path("b"), flags: [])
        #expect(try w.names() == ["a", "b"])
        try w.driver.rename(from: w.path("a"), to: w.path("a"), flags: [])
    },
    BehaviourCase("readdirAfterManyCreatesAndDeletesListsEachNameOnce") { w in
        try w.driver.mkdir(w.path("d"), mode: 0o755)
        for index in 0..<150 { try w.create("d/file-\(index)") }
        for index in stride(from: 0, to: 150, by: 2) { try w.driver.unlink(w.path("d/file-\(index)")) }
        for index in 0..<10 { try w.driver.mkdir(w.path("d/dir-\(index)"), mode: 0o755) }
        let expected = (stride(from: 1, to: 150, by: 2).map { "file-\($0)" } + (0..<10).map { "dir-\($0)" }).sorted()
        let listed = try w.driver.readdir(w.path("d")).map(\.name.description)
        #expect(listed.count == Set(listed).count)
        #expect(try w.names("d") == expected)
    },
    BehaviourCase("readdirListsDotAndDotDotWithTheirInodes") { w in
        try w.driver.mkdir(w.path("d"), mode: 0o755)
        try w.create("d/f")
        let entries = try w.driver.readdir(w.path("d"))
        let byName = Dictionary(entries.map { ($0.name.description, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(Set(byName.keys) == [".", "..", "f"])
        #expect(byName["."]?.inode == (try w.driver.stat(w.path("d")).inode))
        #expect(byName["f"]?.inode == (try w.driver.stat(w.path("d/f")).inode))
        #expect(byName["f"]?.type == .regular)
    },
    BehaviourCase("namesLongerThan255BytesFailWithENAMETOOLONG") { w in
        let longest = String(repeating: "n", count: 255)
        try w.create(longest)
        #expect(try w.names() == [longest])
        let tooLong = String(repeating: "n", count: 256)
        #expect(failure { _ = try w.driver.open(w.path(tooLong), [.create, .writeOnly], mode: 0o644) } == .fileNameTooLong)
        #expect(failure { try w.driver.mkdir(w.path(tooLong), mode: 0o755) } == .fileNameTooLong)
        #expect(failure { _ = try w.driver.stat(w.path(tooLong)) } == .fileNameTooLong)
    },
    BehaviourCase("pathsThroughMissingDirectoriesOrFilesFail") { w in
        try w.create("f")
        #expect(failure { _ = try w.driver.stat(w.path("missing/x")) } == .noSuchFileOrDirectory)
        #expect(failure { _ = try w.driver.stat(w.path("f/x")) } == .notDirectory)
        #expect(failure { _ = try w.driver.stat(w.path("f/")) } == .notDirectory)
        #expect(failure { try w.driver.mkdir(w.path("f/d"), mode: 0o755) } == .notDirectory)
    },
    BehaviourCase("dotAndDotDotResolveWithinThePath") { w in
        try w.driver.mkdir(w.path("a"), mode: 0o755)
        try w.driver.mkdir(w.path("a/b"), mode: 0o755)
        try w.create("a/c", bytes("c"))
        #expect(try w.contents("a/b/../c") == bytes("c"))
        #expect(try w.contents("./a/./b/.././c") == bytes("c"))
        #expect(try w.driver.stat(w.path("a/b/")).mode.isDirectory)
    },
]
