// swift-tools-version: 6.1
import PackageDescription

/// Every target builds in Swift 6 language mode (complete strict concurrency is part of it).
let swift6: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Bento",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bento", targets: ["bento"]),
        // For file systems written elsewhere: the API, the services below it, the host that mounts and serves
        // (`FileSystemDaemon.main`), and the in-process driver for their tests (Examples/HelloFS shows all four).
        .library(name: "BentoKit", targets: ["BentoKit"]),
        .library(name: "BentoServices", targets: ["BentoServices"]),
        .library(name: "BentoHost", targets: ["BentoHost"]),
        .library(name: "InProcess", targets: ["InProcess"]),
        .library(name: "BentoTesting", targets: ["BentoTesting"]),
        // File-system modules for `bento mount --fs libX.so` and `bento upgrade`: two versions of memfs and of
        // xv6fs to upgrade between, and two that make every upgrade fail (tests): one refuses the state's version,
        // one's initializer throws.
        .library(name: "MemFSModuleV1", type: .dynamic, targets: ["MemFSModuleV1"]),
        .library(name: "MemFSModuleV2", type: .dynamic, targets: ["MemFSModuleV2"]),
        .library(name: "XV6FSModuleV1", type: .dynamic, targets: ["XV6FSModuleV1"]),
        .library(name: "XV6FSModuleV2", type: .dynamic, targets: ["XV6FSModuleV2"]),
        // provfs (xv6fs with provenance) as a module: `bento upgrade MOUNTPOINT libProvFSModule.so` turns tracking on.
        .library(name: "ProvFSModule", type: .dynamic, targets: ["ProvFSModule"]),
        .library(name: "RefusingModule", type: .dynamic, targets: ["RefusingModule"]),
        .library(name: "FailingModule", type: .dynamic, targets: ["FailingModule"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // `swift package generate-documentation --target BentoKit` (scripts/test checks it builds without warnings).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // The safe API a file system is written against: typed requests, replies, Errno. No syscalls.
        .target(
            name: "BentoKit",
            dependencies: [.product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: swift6),
        // The syscall funnel shared by the host and the passthrough file system.
        .target(
            name: "BentoSystem",
            dependencies: ["CFUSEURing", "CLinux", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: swift6),
        // The kernel ABI: decoding requests, encoding replies. The only place that reads raw request bytes.
        .target(
            name: "FUSEWire",
            dependencies: ["BentoKit"],
            swiftSettings: swift6),
        // The io_uring system calls (setup, the mapped rings, enter) for the FUSE-over-io_uring transport; kernel UAPI
        // headers only, no library.
        .target(name: "CFUSEURing"),
        // C library functions outside the Glibc module map (malloc.h's mallopt), as thin C wrappers.
        .target(name: "CLinux"),
        // Sessions, worker threads, mounting, the registry of file-system types and live mounts.
        .target(
            name: "BentoHost",
            dependencies: [
                "BentoKit", "FUSEWire", "BentoSystem",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swift6),
        // What a file system may use below it: block devices (file, simulated), the buffer cache, locks, logging.
        .target(
            name: "BentoServices",
            dependencies: [
                "BentoKit", "BentoSystem",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swift6),
        // Buffer-cache and block-device throughput, next to fio (bench/services.sh). Not a test.
        .executableTarget(name: "ServicesBenchmark", dependencies: ["BentoServices", "BentoSystem"], swiftSettings: swift6),
        // xv6fs's own cost per operation, in-process (bench/xv6fs-ops.sh).
        .executableTarget(name: "XV6FSBenchmark", dependencies: ["XV6FS", "ProvFS", "BentoKit", "BentoServices"],
                          swiftSettings: swift6),
        // Fuzz targets (fuzz/run builds them with libFuzzer; a plain build replays saved inputs through them).
        .target(name: "FuzzSupport", dependencies: ["BentoKit"], path: "fuzz/Sources/FuzzSupport", swiftSettings: swift6),
        .executableTarget(
            name: "FuzzRequests",
            dependencies: ["FuzzSupport", "BentoHost", "BentoKit", "BentoServices", "FUSEWire", "MemFS", "XV6FS"],
            path: "fuzz/Sources/FuzzRequests", swiftSettings: swift6),
        .executableTarget(
            name: "FuzzUpgradeState", dependencies: ["FuzzSupport", "BentoKit", "BentoServices", "MemFS", "XV6FS"],
            path: "fuzz/Sources/FuzzUpgradeState", swiftSettings: swift6),
        .executableTarget(
            name: "FuzzXV6FSImage", dependencies: ["FuzzSupport", "BentoKit", "BentoServices", "XV6FS"],
            path: "fuzz/Sources/FuzzXV6FSImage", swiftSettings: swift6),
        .target(name: "MemFS", dependencies: ["BentoKit", "BentoServices"], swiftSettings: swift6),
        // Drives any FileSystem in-process as the kernel would: paths, descriptors, lookup counting. No syscalls.
        .target(name: "InProcess", dependencies: ["BentoKit"], swiftSettings: swift6),
        // The test kit: Bento's behaviour suite (one list of POSIX cases, each stating Linux's behaviour) and the
        // drivers that run it in-process and through the kernel, for any file system's own tests. Its kernel
        // driver is the test kit's system layer (system calls as another user, through CLinux).
        .target(name: "BentoTesting", dependencies: ["BentoKit", "InProcess", "BentoSystem", "CLinux"],
                swiftSettings: swift6),
        .target(
            name: "PassthroughFS",
            dependencies: ["BentoKit", "BentoSystem", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: swift6),
        // The journaled xv6-derived file system (Bento-fs), with mkfs and fsck.
        .target(name: "XV6FS", dependencies: ["BentoKit", "BentoServices"], swiftSettings: swift6),
        // xv6fs with file provenance (Bento-prov): the recorder, the log's records and the questions `bento prov` asks.
        .target(name: "ProvFS", dependencies: ["XV6FS", "BentoKit", "BentoServices"], swiftSettings: swift6),
        // The crash-consistency explorer: ACE-style workloads, crash states on SimulatedDisk, checks against MemFS.
        .target(
            name: "CrashExplorer", dependencies: ["BentoKit", "BentoServices", "InProcess", "MemFS", "ProvFS", "XV6FS"],
            swiftSettings: swift6),
        .executableTarget(
            name: "bento",
            dependencies: [
                "BentoHost", "BentoKit", "BentoSystem", "CrashExplorer", "InProcess", "MemFS", "PassthroughFS", "ProvFS",
                "XV6FS", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swift6),
        .target(name: "MemFSModuleV1", dependencies: ["MemFS", "BentoKit"], path: "Sources/Modules/MemFSModuleV1",
                swiftSettings: swift6),
        .target(name: "MemFSModuleV2", dependencies: ["MemFS", "BentoKit"], path: "Sources/Modules/MemFSModuleV2",
                swiftSettings: swift6),
        .target(name: "XV6FSModuleV1", dependencies: ["XV6FS", "BentoKit"], path: "Sources/Modules/XV6FSModuleV1",
                swiftSettings: swift6),
        .target(name: "XV6FSModuleV2", dependencies: ["XV6FS", "BentoKit"], path: "Sources/Modules/XV6FSModuleV2",
                swiftSettings: swift6),
        .target(name: "ProvFSModule", dependencies: ["ProvFS", "BentoKit"], path: "Sources/Modules/ProvFSModule",
                swiftSettings: swift6),
        .target(name: "BrokenModules", dependencies: ["BentoKit"], path: "Sources/Modules/BrokenModules",
                swiftSettings: swift6),
        .target(name: "RefusingModule", dependencies: ["BrokenModules", "BentoKit"], path: "Sources/Modules/RefusingModule",
                swiftSettings: swift6),
        .target(name: "FailingModule", dependencies: ["BrokenModules", "BentoKit"], path: "Sources/Modules/FailingModule",
                swiftSettings: swift6),
        .testTarget(name: "BentoKitTests", dependencies: ["BentoKit"], swiftSettings: swift6),
        .testTarget(name: "FUSEWireTests", dependencies: ["FUSEWire", "BentoKit"], swiftSettings: swift6),
        .testTarget(
            name: "BentoHostTests",
            dependencies: ["BentoHost", "BentoKit", "FUSEWire", "MemFS", "XV6FS", "PassthroughFS", "BentoServices", "BentoSystem"],
            swiftSettings: swift6),
        .testTarget(name: "BentoServicesTests", dependencies: ["BentoServices", "BentoSystem", "BentoKit"], swiftSettings: swift6),
        .testTarget(name: "MemFSTests", dependencies: ["MemFS", "BentoKit", "BentoServices"], swiftSettings: swift6),
        .testTarget(name: "XV6FSTests", dependencies: ["XV6FS", "BentoServices", "BentoKit"], swiftSettings: swift6),
        .testTarget(name: "ProvFSTests", dependencies: ["ProvFS", "XV6FS", "InProcess", "BentoServices", "BentoKit"],
                    swiftSettings: swift6),
        .testTarget(name: "PassthroughFSTests", dependencies: ["PassthroughFS", "BentoKit"], swiftSettings: swift6),
        .testTarget(
            name: "CrashExplorerTests", dependencies: ["CrashExplorer", "XV6FS", "ProvFS", "BentoServices", "BentoKit"],
            swiftSettings: swift6),
        .testTarget(name: "InProcessTests", dependencies: ["InProcess", "MemFS", "BentoKit"], swiftSettings: swift6),
        // One POSIX behaviour suite run against every file system through every driver (in-process, mounted, tmpfs).
        .testTarget(
            name: "BehaviourTests", dependencies: ["BentoTesting", "CrashExplorer", "InProcess", "MemFS", "XV6FS", "ProvFS",
                                                   "PassthroughFS", "BentoServices", "BentoKit"],
            swiftSettings: swift6),
        // Mounts real file systems through /dev/fuse with the built `bento` binary and drives them with real programs.
        .testTarget(name: "IntegrationTests", dependencies: ["BentoSystem", "BentoTesting"], swiftSettings: swift6),
    ]
)
