// swift-tools-version: 6.1
import Foundation
import PackageDescription

// A package of its own that depends on Bento by path (SwiftPM names a path dependency by its directory).
let bento = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")
    .standardizedFileURL.lastPathComponent

let package = Package(
    name: "TinyFS",
    platforms: [.macOS(.v15)],
    products: [
        // The module for `bento mount --fs .build/debug/libTinyFSModule.so` and `bento upgrade`.
        .library(name: "TinyFSModule", type: .dynamic, targets: ["TinyFSModuleExport"]),
    ],
    dependencies: [.package(path: "../..")],
    targets: [
        .target(name: "TinyFS", dependencies: [.product(name: "BentoKit", package: bento)],
                swiftSettings: [.swiftLanguageMode(.v6)]),
        .target(name: "TinyFSModuleExport", dependencies: ["TinyFS", .product(name: "BentoKit", package: bento)],
                swiftSettings: [.swiftLanguageMode(.v6)]),
        .testTarget(name: "TinyFSTests", dependencies: ["TinyFS", .product(name: "InProcess", package: bento),
                                                       .product(name: "BentoTesting", package: bento)],
                    swiftSettings: [.swiftLanguageMode(.v6)]),
    ]
)
