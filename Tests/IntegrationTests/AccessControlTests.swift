import BentoTesting
import Foundation
import Testing

// POSIX ACLs as programs use them — `setfacl`, `getfacl`, `cp -a`, a process of another user — on a mounted file
// system beside ext4 in the same test: the same commands must print the same ACLs and modes, and grant and refuse
// the same accesses. On xv6fs the ACLs then survive an unmount, a clean fsck and a remount. (The behaviour suite
// shows each rule through system calls, on every driver: Tests/BehaviourTests/Cases+AccessControl.swift.)

@Suite(.enabled(if: TestEnvironment.runsMountTests), .serialized)
struct AccessControlTests {
    /// What the workload makes, in a fixed order (listing order differs between file systems).
    private static let paths = "f copy plain d d/new d/sub"

    /// ACLs set by `setfacl` in `directory`, then what `getfacl` and `stat` show and what user 1000 may do.
    private func aclWorkload(in directory: String) throws -> String {
        try Shell.check("""
            cd \(Shell.quote(directory)) && umask 022 && \
            echo secret > f && chmod 640 f && setfacl -m u:1000:r f && \
            mkdir d && setfacl -d -m u:1000:rwx,g::r-x,o::- d && echo shared > d/new && mkdir d/sub && \
            cp -a f copy && chmod 600 copy && setfacl -m u:1001:rw,m::rw f && setfacl -x u:1001 f && \
            touch plain && setfacl -m o::rwx plain && setfacl -b d/sub && \
            getfacl -np \(Self.paths) && stat -c '%n %a' \(Self.paths) && \
            for path in f copy d/new plain; do \
              setpriv --reuid=1000 --regid=1000 --clear-groups cat $path >/dev/null 2>&1 && echo "read $path" || echo "no read $path"; \
              setpriv --reuid=1000 --regid=1000 --clear-groups sh -c "echo more >> $path" 2>/dev/null && echo "write $path" || echo "no write $path"; \
            done
            """, timeLimit: 60).stdout
    }

    /// What `getfacl` prints for the whole tree.
    private func listing(of directory: String) throws -> String {
        try Shell.check("cd \(Shell.quote(directory)) && getfacl -np \(Self.paths) && stat -c '%n %a' \(Self.paths)",
                        timeLimit: 30).stdout
    }

    @Test(arguments: [FileSystemKind.memfs, .xv6fs, .passthrough])
    func setfaclAndGetfaclAgreeWithExt4(_ kind: FileSystemKind) throws {
        let scratch = try ScratchDirectory("acl-\(kind.rawValue)")
        let reference = try Ext4Reference(in: scratch)
        // Other users reach a FUSE mount only with allow_other.
        let mount = try BentoMount(kind, in: scratch, options: ["allow_other"])
        let theirs = try aclWorkload(in: reference.path), ours = try aclWorkload(in: mount.mountPoint)
        #expect(ours == theirs)
        #expect(theirs.contains("user:1000:rwx") && theirs.contains("read f\n") && theirs.contains("no write f\n"),
                "the workload shows what it should on ext4: \(theirs)")
        guard kind == .xv6fs else { return try mount.unmount() }
        let before = try listing(of: mount.mountPoint)
        try mount.unmount()
        kind.checkSource(mount.source)
        let again = try BentoMount(kind, in: scratch, options: ["allow_other"], source: mount.source)
        #expect(try listing(of: again.mountPoint) == before, "the ACLs survive a remount")
        try again.unmount()
        kind.checkSource(mount.source)
    }
}
