import BentoKit
import BentoServices
import XV6FS

/// provfs: xv6fs with file provenance (the paper's Bento-prov). The same code and on-disk format as xv6fs, with a
/// `ProvenanceRecorder` as its operation log: every change, read and write is recorded in the image itself, in
/// the transaction of the change (`docs/PROVENANCE.md`).
///
/// Deployed three ways: `bento mount --fs provfs IMAGE DIR`; `bento upgrade DIR libProvFSModule.so` on a mounted
/// xv6fs (tracking starts with no unmount; upgrading back to xv6fs stops it and keeps the log); or in-process,
/// `XV6FS(device:options:)` with `operationLog: ProvenanceRecorder(processes:)`.
public enum ProvFS {
    /// The topic of `FileSystem.report` that answers the provenance log, one JSON record per line.
    public static let reportTopic = "provenance"

    /// provfs as a module at `version` (bento's built-in `provfs` type, and `libProvFSModule.so`).
    public static func module(version: String) -> XV6FSModule {
        XV6FSModule(name: "provfs", version: version,
                    summary: "xv6fs with file provenance (SOURCE: an image or block device; bento prov asks it)",
                    operationLog: { ProvenanceRecorder() })
    }
}
