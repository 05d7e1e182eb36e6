@_exported import struct SystemPackage.Errno

// File systems report failures as `Errno` values (swift-system's typed wrapper over errno),
// thrown with typed throws: `throws(Errno)`. The host turns them into the FUSE reply's error field.
