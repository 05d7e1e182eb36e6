// swift-tools-version: 6.1
import Foundation
import PackageDescription

// A package of its own that depends on Bento by path, as yours would by URL. SwiftPM names a path dependency by
// its directory, so the name is read from the path rather than written down.
let bento = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")
    .standardizedFileURL.lastPathComponent

let package = Package(
    name: "HelloFS",
    platforms: [.macOS(.v15)],
    products: [
        // The same file system as a module for `bento mount --fs .build/debug/libHelloFSModule.so`.
        .library(name: "HelloFSModule", type: .dynamic, targets: ["HelloFSModuleExport"]),
    ],
    dependencies: [.package(path: "../..")],
    targets: [
        // The file system: a library, so that tests run it in-process.
        .target(name: "HelloFS", dependencies: [.product(name: "BentoKit", package: bento)],
                swiftSettings: [.swiftLanguageMode(.v6)]),
        // `hellofs SOURCE MOUNTPOINT`: mounts it, as `bento mount` would.
        .executableTarget(name: "hellofs", dependencies: ["HelloFS", .product(name: "BentoHost", package: bento)],
                          swiftSettings: [.swiftLanguageMode(.v6)]),
        .target(name: "HelloFSModuleExport", dependencies: ["HelloFS", .product(name: "BentoKit", package: bento)],
                swiftSettings: [.swiftLanguageMode(.v6)]),
        .testTarget(name: "HelloFSTests", dependencies: ["HelloFS", .product(name: "InProcess", package: bento)],
                    swiftSettings: [.swiftLanguageMode(.v6)]),
    ]
)
