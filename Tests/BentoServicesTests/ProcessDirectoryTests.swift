import BentoServices
import Foundation
import Testing

/// Who a process is: the host's answer from /proc (checked against processes this test starts), and the simulated
/// one in-process tests set up.
@Suite struct ProcessDirectoryTests {
    @Test func theHostNamesAProcessByItsExecutableAndArguments() throws {
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["30"]
        try sleeper.run()
        defer { sleeper.terminate() }
        // Until the child has exec'd, /proc shows what it was before; wait (at most two seconds) for sleep.
        let pid = UInt32(sleeper.processIdentifier)
        let deadline = Date().addingTimeInterval(2)
        while HostProcessDirectory().identity(of: pid)?.commandLine != ["/bin/sleep", "30"], Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        let identity = try #require(HostProcessDirectory().identity(of: pid))
        #expect(identity.executable == URL(fileURLWithPath: "/bin/sleep").resolvingSymlinksInPath().path)
        #expect(identity.commandLine == ["/bin/sleep", "30"])
        #expect(identity.pid == pid)
        #expect(identity.parentPid == UInt32(ProcessInfo.processInfo.processIdentifier), "its parent is this test")
        #expect(identity.group == pid, "Foundation's Process starts its child in a process group of its own")
        let ours = try #require(HostProcessDirectory().identity(of: UInt32(ProcessInfo.processInfo.processIdentifier)))
        #expect(HostProcessDirectory().stamp(of: pid) == identity.stamp && identity.started > 0)
        #expect(identity.started >= ours.started, "a child starts after its parent")
        #expect(ours.commandLine == CommandLine.arguments)
    }

    /// After its first full read a thread's stamp is kept by watching its /proc/TID/comm: an exec shows as the new
    /// program (the same process, by start time), an exit as no stamp.
    @Test func aWatchedStampSeesAnExecAndAnExit() throws {
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "read line; exec sleep 30"]
        let input = Pipe()
        shell.standardInput = input
        try shell.run()
        // SIGKILL: a test harness may start processes with SIGTERM blocked, and they inherit it.
        defer { if shell.isRunning { kill(shell.processIdentifier, SIGKILL) } }
        let pid = UInt32(shell.processIdentifier)
        let directory = HostProcessDirectory()
        let before = try #require(directory.stamp(of: pid))
        #expect(!before.executable.hasSuffix("/sleep"))
        #expect(directory.stamp(of: pid) == before, "unchanged while the program is")
        input.fileHandleForWriting.write(Data("go\n".utf8))
        let deadline = Date().addingTimeInterval(2)
        while directory.stamp(of: pid)?.executable.hasSuffix("/sleep") != true, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        let after = try #require(directory.stamp(of: pid))
        #expect(after.executable.hasSuffix("/sleep") && after.started == before.started, "the exec, in the same process")
        kill(shell.processIdentifier, SIGKILL)
        shell.waitUntilExit()
        #expect(directory.stamp(of: pid) == nil, "gone")
    }

    @Test func goneAndKernelRequestsHaveNoIdentity() throws {
        let quick = Process()
        quick.executableURL = URL(fileURLWithPath: "/bin/true")
        try quick.run()
        quick.waitUntilExit()
        #expect(HostProcessDirectory().identity(of: UInt32(quick.processIdentifier)) == nil, "reaped: gone")
        #expect(HostProcessDirectory().identity(of: 0) == nil, "pid 0: the kernel's own request")
    }

    @Test func aSimulatedDirectoryAnswersWhatItWasTold() {
        let directory = SimulatedProcessDirectory()
        #expect(directory.identity(of: 42) == nil)
        directory.add(ProcessIdentity(pid: 42, executable: "/usr/bin/cp", commandLine: ["cp", "a", "b"]))
        #expect(directory.identity(of: 42)?.commandLine == ["cp", "a", "b"])
        directory.add(ProcessIdentity(pid: 42, executable: "/usr/bin/mv", commandLine: ["mv", "b", "c"]))
        #expect(directory.identity(of: 42)?.executable == "/usr/bin/mv", "a reused pid names its new process")
        directory.remove(42)
        #expect(directory.identity(of: 42) == nil)
    }
}
