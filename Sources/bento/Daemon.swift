import ArgumentParser
import BentoHost
import Foundation

/// The serving process behind `bento mount`: `FileSystemDaemon` with the built-in types, or a module's.
struct Daemon {
    let mount: Mount

    /// Mounts and serves until the mount ends; exits the process with 0 after a clean end.
    func run() throws {
        let registry = BuiltinTypes.registry()
        do {
            let typeName = mount.fs.contains("/") ? try Self.registerModule(at: mount.fs, in: registry) : mount.fs
            let request = FileSystemDaemon.Request(
                typeName: typeName, source: mount.source, mountpoint: mount.mountpoint, options: try mount.mountOptions(),
                pidFile: mount.pidFile, notifiesStarter: mount.notifyReady)
            try FileSystemDaemon.serve(request, from: registry)
        } catch let error as HostError {
            throw Failure(error.description)
        }
    }

    /// Loads the module at `path` and registers its type (an xv6fs module takes the image lock as the built-in
    /// type does); returns the type's name.
    static func registerModule(at path: String, in registry: Registry) throws(HostError) -> String {
        let type = FileSystemType(module: try ModuleLoader.load(path))
        registry.register(type.name == BuiltinTypes.xv6fs.name ? BuiltinTypes.lockingImage(type) : type)
        return type.name
    }
}

/// A failure reported as `Error: <message>` with exit status 1 (without the usage text a `ValidationError` prints).
struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
