// swift-tools-version: 6.2
// Peer-comparison benchmark driver for the Avro module. A separate package so the root package never builds it;
// Sources/Avro and the C modules are symlinks to the root package's, compiled here into the same
// package so the harness can use the module's `package` API. Build and run: scripts/bench-avro.sh.
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "AvroBench",
    platforms: [.macOS(.v15)],
    targets: [
        .systemLibrary(name: "CAuraZlib", pkgConfig: "zlib"),
        .systemLibrary(name: "CLibdeflate", pkgConfig: "libdeflate"),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl"),
        .target(name: "Avro", dependencies: ["CAuraZlib", "CLibdeflate", "CCurl"], swiftSettings: strictSettings),
        .executableTarget(name: "AvroBench", dependencies: ["Avro"], swiftSettings: strictSettings),
    ]
)
