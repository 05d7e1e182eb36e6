import BentoTesting
import Testing

/// `bento shell`: the interactive prompt over the in-process driver, driven by a piped script as a person
/// would type it. No kernel is involved.
@Suite struct ShellCommandTests {
    @Test func aPipedScriptRunsEveryCommandAndReportsErrorsWithoutStopping() throws {
        let script = """
            mkdir /a
            write /a/f hello
            append /a/f world
            cat /a/f
            ln -s f /a/l
            ln /a/f /a/hard
            ls -l /a
            setfattr -n user.k -v v /a/f
            getfattr -n user.k /a/f
            mv /a/hard /a/moved
            rm /nope
            truncate /a/f 3
            cat /a/f
            rmdir /a
            exit
            """
        let result = try Shell.check("\(Shell.quote(TestEnvironment.bentoBinary)) shell --fs memfs <<'EOF'\n\(script)\nEOF")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.starts(with: ["hello", "world"]))  // write and append each add a newline
        #expect(lines.contains("user.k=\"v\""))
        #expect(lines.contains { $0.hasPrefix("-rw-r--r-- 2 0 0 12 f") })
        #expect(lines.contains("lrwxrwxrwx 1 0 0 1 l -> f"))
        #expect(lines.contains { $0.hasPrefix("hel") && !$0.hasPrefix("hello") })  // cat after truncate to 3 bytes
        #expect(result.stdout.contains("error: /nope: No such file or directory")
                || result.stderr.contains("error: /nope: No such file or directory"))
        #expect(result.stdout.contains("error: /a: Directory not empty")
                || result.stderr.contains("error: /a: Directory not empty"))
    }

    /// An option the type does not take is refused, as `bento mount` refuses it.
    @Test func anOptionTheTypeDoesNotTakeIsRefused() throws {
        let result = try Shell.run("echo ls | \(Shell.quote(TestEnvironment.bentoBinary)) shell --fs memfs -o data=journal",
                                   timeLimit: 30)
        #expect(result.status != 0 && result.stderr.contains("-o data: not an option of memfs"), "\(result)")
    }
}
