import BentoTesting
import Foundation
import Testing

// File handles (name_to_handle_at / open_by_handle_at, what NFS re-export, fanotify and backup tools rely on) on a
// mounted file system beside ext4 in the same test: a handle opens what it named after the kernel dropped its
// caches, after a remount where the file system keeps its files, and answers ESTALE once the file is gone
// (scripts/file_handles.py does the calls).

private let scriptPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("scripts/file_handles.py").path

@Suite(.enabled(if: TestEnvironment.runsMountTests), .serialized)
struct FileHandleTests {
    /// The script's lines for `step` on the file system at `directory`, its handles kept in `state`.
    private func handles(_ step: String, at directory: String, state: String) throws -> String {
        try Shell.check("python3 \(scriptPath) \(step) \(Shell.quote(directory)) \(Shell.quote(state))", timeLimit: 60).stdout
    }

    @Test(arguments: [FileSystemKind.memfs, .xv6fs])
    func handlesOpenWhatTheyNamedAfterTheKernelForgotAsOnExt4(_ kind: FileSystemKind) throws {
        let scratch = try ScratchDirectory("handles-\(kind.rawValue)")
        let reference = try Ext4Reference(in: scratch)
        let (ours, theirs) = ("\(scratch.path)/ours.json", "\(scratch.path)/theirs.json")
        let (opened, source) = try firstMount(kind, in: scratch, beside: reference, ours: ours, theirs: theirs)
        guard kind.isPersistent else { return }

        let mount = try BentoMount(kind, in: scratch, source: source)
        try reference.remount()
        let reopened = try handles("open", at: mount.mountPoint, state: ours)
        #expect(reopened == opened, "after a remount")
        #expect(reopened == (try handles("open", at: reference.path, state: theirs)))
        try expectStaleAfterRemoval(mount, beside: reference, ours: ours, theirs: theirs)
        try mount.unmount()
    }

    /// Makes the files and their handles on a first mount and opens them; a file system that keeps nothing over
    /// an unmount also checks removal there. Unmounts it (its daemon gone and the image checked before this
    /// returns) and answers what the handles opened and the mount's source.
    private func firstMount(_ kind: FileSystemKind, in scratch: ScratchDirectory, beside reference: Ext4Reference,
                            ours: String, theirs: String) throws -> (String, String) {
        let mount = try BentoMount(kind, in: scratch)
        let opened = try handles("make", at: mount.mountPoint, state: ours)
        #expect(opened == "a: reads b'alpha\\n'\nd: lists b\nd/b: reads b'beta\\n'\n")
        #expect(opened == (try handles("make", at: reference.path, state: theirs)))
        if !kind.isPersistent { try expectStaleAfterRemoval(mount, beside: reference, ours: ours, theirs: theirs) }
        try mount.unmount()
        return (opened, mount.source)
    }

    /// Removes `a` on both and expects its handle to answer ESTALE on both, with the daemon still serving.
    private func expectStaleAfterRemoval(_ mount: BentoMount, beside reference: Ext4Reference, ours: String,
                                         theirs: String) throws {
        let removed = try handles("remove", at: mount.mountPoint, state: ours)
        #expect(removed == "a: ESTALE\n")
        #expect(removed == (try handles("remove", at: reference.path, state: theirs)))
        #expect(ProcessProbe.isAlive(mount.pid), "the daemon died")
    }
}
