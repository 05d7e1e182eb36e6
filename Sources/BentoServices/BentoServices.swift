@_exported import Logging
@_exported import struct SystemPackage.Errno

// BentoServices: what a file system may use below it, so that it never imports Glibc or BentoSystem.
//
// - Blocks: `BlockDevice` (`FileBlockDevice` over an image file or `/dev/loopN`; `SimulatedDisk` in memory,
//   recording every write and flush, enumerating crash states and injecting faults).
// - The buffer cache: `BufferCache` hands out blocks as noncopyable `Buffer`s that hold the block exclusively.
// - Memory: `ByteReserve` makes zeroed arrays ahead of need on a background queue, so a file system that keeps
//   data in memory does not pay fresh pages' faults on a request's path.
// - Locks: `Mutex` and `Atomic` from the standard `Synchronization` module (`import Synchronization`) for
//   short critical sections and counters; `ReadWriteLock` (here) for many readers and few writers.
// - The clock: `BentoKit.SystemClock` (tests pass their own `Clock`).
// - Logging: `Logger` from swift-log, re-exported by this module (`import BentoServices` is enough), like
//   `Errno` (the same type BentoKit re-exports).
