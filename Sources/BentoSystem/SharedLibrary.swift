#if canImport(Glibc)
import Glibc
#endif

/// Shared libraries loaded for good: opened with `RTLD_NOW | RTLD_LOCAL` (every symbol resolved now, none offered
/// to later libraries, so two versions of one library load side by side) and never closed (code from one may be
/// on a thread's stack until the process ends, and Swift metadata cannot be unloaded).
public enum SharedLibrary {
    /// Why a library gave no entry point.
    public enum Failure: Error, Sendable {
        /// The dynamic linker could not open it; its message.
        case cannotOpen(String)
        /// It has no symbol of that name.
        case missingSymbol
    }

    /// Opens the library at `path` and calls its C function `name`, which takes no argument and returns a
    /// pointer (or null); returns what it returned.
    public static func callEntryPoint(_ name: String, inLibraryAt path: String) throws(Failure) -> OpaquePointer? {
        guard let library = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw .cannotOpen(dlerror().map { String(cString: $0) } ?? "unknown error")
        }
        guard let symbol = dlsym(library, name) else { throw .missingSymbol }
        return unsafeBitCast(symbol, to: (@convention(c) () -> OpaquePointer?).self)()
    }
}
