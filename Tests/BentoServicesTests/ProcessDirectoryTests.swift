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
