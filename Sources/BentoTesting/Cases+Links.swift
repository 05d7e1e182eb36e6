import BentoKit
import Testing

// Hard links and symbolic links.

let linkCases: [BehaviourCase] = [
    BehaviourCase("hardLinksShareDataAndCountLinks") { w in
        try w.create("a", bytes("shared"))
        try w.driver.link(w.path("a"), w.path("b"))
        #expect(try w.driver.stat(w.path("a")).linkCount == 2)
        #expect(try w.driver.stat(w.path("b")).inode == w.driver.stat(w.path("a")).inode)
        let fd = try w.driver.open(w.path("b"), [.writeOnly, .append], mode: 0)
        _ = try w.driver.write(fd, bytes("!"))
        try w.driver.close(fd)
        #expect(try w.contents("a") == bytes("shared!"))
        try w.driver.unlink(w.path("a"))
        #expect(try w.driver.stat(w.path("b")).linkCount == 1)
        #expect(try w.contents("b") == bytes("shared!"))
    },
    BehaviourCase("hardLinksToDirectoriesOrOntoExistingNamesFail") { w in
        try w.driver.mkdir(w.path("d"), mode: 0o755)
        try w.create("f")
        #expect(failure { try w.driver.link(w.path("d"), w.path("e")) } == .notPermitted)
        #expect(failure { try w.driver.link(w.path("f"), w.path("d")) } == .fileExists)
        #expect(failure { try w.driver.link(w.path("missing"), w.path("g")) } == .noSuchFileOrDirectory)
    },
    BehaviourCase("anUnnamedFileIsWrittenThenNamedWithLinkat") { w in
        let fd = try w.driver.openTemporary(in: w.root, [.readWrite], mode: 0o640)
        defer { try? w.driver.close(fd) }
        #expect(try w.driver.write(fd, bytes("temporary")) == 9)
        let unnamed = try w.driver.fstat(fd)
        #expect(unnamed.linkCount == 0 && unnamed.mode == FileMode(type: .regular, permissions: 0o640) && unnamed.size == 9)
        #expect(try w.driver.readdir(w.root).filter { !$0.name.isDotOrDotDot }.isEmpty, "it has no name")
        try w.driver.link(descriptor: fd, to: w.path("named"))
        #expect(try w.driver.stat(w.path("named")).linkCount == 1)
        #expect(try w.driver.stat(w.path("named")).inode == unnamed.inode)
        #expect(try w.contents("named") == bytes("temporary"))
        try w.driver.unlink(w.path("named"))
        #expect(failure { try w.driver.link(descriptor: fd, to: w.path("again")) } == .noSuchFileOrDirectory,
                "named once, then unnamed: no second name")
    },
    BehaviourCase("anExclusiveUnnamedFileCannotBeNamedAndGoesAtClose") { w in
        let fd = try w.driver.openTemporary(in: w.root, [.readWrite, .exclusive], mode: 0o600)
        #expect(try w.driver.write(fd, bytes("x")) == 1)
        #expect(failure { try w.driver.link(descriptor: fd, to: w.path("named")) } == .noSuchFileOrDirectory)
        try w.driver.close(fd)
        #expect(try w.driver.readdir(w.root).filter { !$0.name.isDotOrDotDot }.isEmpty)
        #expect(failure { _ = try w.driver.openTemporary(in: w.path("missing"), [.readWrite], mode: 0o600) } == .noSuchFileOrDirectory)
    },
    BehaviourCase("symlinkReadlinkAndLstatVersusStat") { w in
        try w.create("target", bytes("through the link"))
        try w.driver.symlink("target", w.path("link"))
        #expect(try w.driver.readlink(w.path("link")) == "target")
        let link = try w.driver.lstat(w.path("link"))
        #expect(link.mode.isSymbolicLink)
        #expect(link.size == 6)
        #expect(try w.driver.stat(w.path("link")).inode == w.driver.stat(w.path("target")).inode)
        #expect(try w.contents("link") == bytes("through the link"))
        #expect(failure { _ = try w.driver.readlink(w.path("target")) } == .invalidArgument)
    },
    BehaviourCase("symlinkLoopsFailWithELOOP") { w in
        try w.driver.symlink("b", w.path("a"))
        try w.driver.symlink("a", w.path("b"))
        #expect(failure { _ = try w.driver.stat(w.path("a")) } == .tooManySymbolicLinkLevels)
        #expect(failure { _ = try w.driver.open(w.path("a/x"), [], mode: 0) } == .tooManySymbolicLinkLevels)
        #expect(try w.driver.lstat(w.path("a")).mode.isSymbolicLink)
    },
    BehaviourCase("aDanglingSymlinkFailsStatButNotLstat") { w in
        try w.driver.symlink("nowhere", w.path("dangling"))
        #expect(failure { _ = try w.driver.stat(w.path("dangling")) } == .noSuchFileOrDirectory)
        #expect(try w.driver.lstat(w.path("dangling")).mode.isSymbolicLink)
        let fd = try w.driver.open(w.path("dangling"), [.writeOnly, .create], mode: 0o644)
        try w.driver.close(fd)
        #expect(try w.names() == ["dangling", "nowhere"])
    },
    BehaviourCase("openWithNoFollowOnASymlinkFailsWithELOOP") { w in
        try w.create("target")
        try w.driver.symlink("target", w.path("link"))
        #expect(failure { _ = try w.driver.open(w.path("link"), [.noFollow], mode: 0) } == .tooManySymbolicLinkLevels)
        try w.driver.close(try w.driver.open(w.path("target"), [.noFollow], mode: 0))
    },
    BehaviourCase("symlinksInsideAPathAreFollowed") { w in
        try w.driver.mkdir(w.path("real"), mode: 0o755)
        try w.create("real/f", bytes("deep"))
        try w.driver.symlink("real", w.path("alias"))
        try w.driver.symlink(w.path("real"), w.path("absolute"))
        #expect(try w.contents("alias/f") == bytes("deep"))
        #expect(try w.contents("absolute/f") == bytes("deep"))
        #expect(try w.names("alias") == ["f"])
        #expect(try w.driver.lstat(w.path("alias/")).mode.isDirectory)
    },
    BehaviourCase("removingASymlinkLeavesItsTarget") { w in
        try w.driver.mkdir(w.path("d"), mode: 0o755)
        try w.driver.symlink("d", w.path("link"))
        #expect(failure { try w.driver.rmdir(w.path("link")) } == .notDirectory)
        try w.driver.unlink(w.path("link"))
        #expect(try w.names() == ["d"])
    },
]
