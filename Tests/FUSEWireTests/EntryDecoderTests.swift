import BentoKit
import Testing
@testable import FUSEWire

@Suite struct EntryDecoderTests {
    @Test func nameOperations() throws {
        #expect(try operation(request(.lookup, cString("a.txt"))) == .lookup(name: name("a.txt")))
        #expect(try operation(request(.unlink, cString("b"))) == .unlink(name: name("b")))
        #expect(try operation(request(.rmdir, cString("dir"))) == .rmdir(name: name("dir")))
    }

    @Test func namesMustBeTerminatedValidAndShort() {
        #expect(failure(request(.lookup, Array("abc".utf8))) == .unterminatedString)   // no NUL
        #expect(failure(request(.lookup)) == .unterminatedString)                      // zero-length body
        #expect(failure(request(.lookup, [0])) == .invalidName)                         // empty name
        #expect(failure(request(.lookup, cString("a/b"))) == .invalidName)              // slash
        #expect(failure(request(.lookup, cString(String(repeating: "x", count: 256)))) == .nameTooLong(.fileNameTooLong))
        #expect((try? operation(request(.lookup, cString(String(repeating: "x", count: 255))))) != nil)
    }

    @Test func mknodAndMkdirPassTheModeAndUmaskAsSent() throws {
        let mknod = u32(0o100640) + u32(0x0801) + u32(0o022) + u32(0)  // mode, rdev, umask, padding
            + cString("node")
        #expect(try operation(request(.mknod, mknod))
                == .mknod(name: name("node"), mode: FileMode(rawValue: 0o100640), device: 0x0801, umask: 0o022))
        let mkdir = u32(0o755) + u32(0o022) + cString("d")  // mode, umask, name
        #expect(try operation(request(.mkdir, mkdir)) == .mkdir(name: name("d"), mode: FileMode(rawValue: 0o755), umask: 0o022))
        #expect(try operation(request(.mkdir, mkdir)).umask == 0o022)
        #expect(try operation(request(.lookup, cString("d"))).umask == 0, "only operations that make an object carry one")
    }

    @Test func symlinkCarriesNameThenTarget() throws {
        #expect(try operation(request(.symlink, cString("link") + cString("../target/file")))
                == .symlink(name: name("link"), target: Array("../target/file".utf8)))
        #expect(failure(request(.symlink, cString("link") + Array("dangling".utf8))) == .unterminatedString)
        #expect(failure(request(.symlink, cString("link") + [0])) == .invalidName)  // empty target
    }

    @Test func renameAndRename2() throws {
        let rename = u64(9) + cString("old") + cString("new")  // newdir, oldname, newname
        #expect(try operation(request(.rename, rename))
                == .rename(name: name("old"), newParent: Inode(9), newName: name("new"), flags: []))
        let rename2 = u64(9) + u32(2) + u32(0) + cString("old") + cString("new")  // newdir, flags EXCHANGE, padding
        #expect(try operation(request(.rename2, rename2))
                == .rename(name: name("old"), newParent: Inode(9), newName: name("new"), flags: .exchange))
        #expect(failure(request(.rename, u64(9) + cString("old"))) == .unterminatedString)
    }

    @Test func linkAndCreate() throws {
        #expect(try operation(request(.link, nodeID: 3, u64(12) + cString("hard")))  // oldnodeid, newname
                == .link(inode: Inode(12), newName: name("hard")))
        let create = u32(0o1101) + u32(0o100644) + u32(0o027) + u32(0)  // flags, mode, umask, open_flags
            + cString("new.txt")
        #expect(try operation(request(.create, create))
                == .create(name: name("new.txt"), mode: FileMode(rawValue: 0o100644),
                           flags: [.writeOnly, .create, .truncate], umask: 0o027))
        // TMPFILE: CREATE's arguments, then the kernel's placeholder name "/", which no real name may be.
        let tmpfile = u32(0o2) + u32(0o100600) + u32(0o022) + u32(0) + cString("/")
        #expect(try operation(request(.tmpfile, tmpfile))
                == .tmpfile(mode: FileMode(rawValue: 0o100600), flags: .readWrite, umask: 0o022))
        #expect(failure(request(.tmpfile, u32(0o2) + u32(0o100600))) != nil, "arguments cut short")
    }
}

@Suite struct NameLengthErrorTests {
    @Test func overlongNamesAnswerWhatLinuxAnswers() {
        let file = DecodeError(.nameTooLong(.fileNameTooLong), at: 40)
        #expect(file.errno == .fileNameTooLong)
        #expect(DecodeError(.nameTooLong(.outOfRange), at: 40).errno == .outOfRange)
        #expect(DecodeError(.invalidName, at: 40).errno == .invalidArgument)
        #expect(DecodeError(.truncated, at: 0).errno == .invalidArgument)
    }
}
