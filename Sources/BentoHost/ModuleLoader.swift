import BentoKit
import BentoSystem
import Foundation

/// Loads file-system modules: shared libraries exporting `bento_module` (see `FileSystemModule`).
///
/// A module is loaded as a `SharedLibrary` (BentoSystem): resolved at once, private to itself, so two versions of
/// one file system load side by side, and never closed: code of a version that was upgraded away may still be on a
/// thread's stack.
///
/// The module carries its own copy of BentoKit (see `FileSystemModule`): the host checks that copy's layout
/// fingerprint and never casts what the module made, so the two copies meet only through values and witness
/// tables of one layout.
public enum ModuleLoader {
    /// The entry point every module exports.
    public static let entryPoint = "bento_module"

    /// Opens the shared library at `path` and takes the module its entry point hands over, once `checkTrusted`
    /// accepted the file.
    public static func load(_ path: String) throws(HostError) -> any FileSystemModule {
        let path = try checkTrusted(path)
        let handed: OpaquePointer?
        do {
            handed = try SharedLibrary.callEntryPoint(entryPoint, inLibraryAt: path)
        } catch {
            switch error {
            case .cannotOpen(let reason):
                throw HostError("cannot load module \(path): \(reason) — give the path of a module's .so file")
            case .missingSymbol:
                throw HostError("\(path) is not a Bento module: it has no '\(entryPoint)' symbol (missing symbol; "
                    + "export one with @_cdecl(\"\(entryPoint)\"))")
            }
        }
        guard let handed else { throw HostError("\(path): \(entryPoint) returned no module") }
        // The pointer is a retained FileSystemModules.Export by the entry point's contract; nothing can check its
        // type (the module's class metadata is its own), so the fingerprint, at a fixed offset, is checked first.
        let export = Unmanaged<FileSystemModules.Export>.fromOpaque(UnsafeRawPointer(handed)).takeRetainedValue()
        try checkFingerprint(export.fingerprint, of: path)
        return export.module
    }

    /// Refuses a module whose BentoKit fingerprint is not this host's, naming both interface versions.
    static func checkFingerprint(_ theirs: [Int], of path: String) throws(HostError) {
        let ours = FileSystemModules.fingerprint
        guard theirs != ours else { return }
        let (theirVersion, ourVersion) = (FileSystemModules.version(of: theirs), FileSystemModules.version(of: ours))
        throw HostError("\(path) was built against BentoKit interface \(theirVersion), this bento has \(ourVersion)"
            + (theirVersion == ourVersion ? " with other value layouts (another compiler?)" : "")
            + ": rebuild the module against this bento's BentoKit (layouts \(theirs) and \(ours))")
    }

    /// Refuses a module file that someone other than root and the daemon's user could have written: loading it
    /// runs its code with the daemon's rights (root, for most mounts). The file (symlinks followed, as `dlopen`
    /// does) and its directory must be owned by root or the daemon's user and not writable by others.
    /// Returns the resolved path, which is what gets loaded.
    static func checkTrusted(_ path: String) throws(HostError) -> String {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let directory = URL(fileURLWithPath: resolved).deletingLastPathComponent().path
        let user = HostProcess.effectiveUserID
        for (item, what) in [(resolved, "module"), (directory, "module's directory")] {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: item) else {
                if item == resolved { return resolved }  // missing: dlopen says so
                throw HostError("cannot read the attributes of \(item)")
            }
            let owner = (attributes[.ownerAccountID] as? NSNumber)?.uint32Value ?? .max
            let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value ?? 0o777
            guard owner == 0 || owner == user else {
                throw HostError("""
                    refusing \(what) \(item): it is owned by uid \(owner), not by root or this daemon's user (uid \
                    \(user)), and loading it would run its code with the daemon's rights
                    """)
            }
            guard mode & 0o002 == 0 else {
                throw HostError("""
                    refusing \(what) \(item): anyone may write it (mode \(String(mode, radix: 8))), and loading \
                    it would run their code with the daemon's rights; chmod o-w \(item)
                    """)
            }
        }
        return resolved
    }
}
