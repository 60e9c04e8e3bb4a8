// swift-tools-version: 6.2
// libFuzzer harnesses for the Avro module (AvroFuzz) and for the checkpoint and changelog decoders
// (StateFuzz). A separate package so the root package never builds it; Sources/Avro, Aggregation
// and the C modules are symlinks to the root package's, and ChangelogDecoding holds symlinks to
// the daemon's changelog manifest, compression and error files, compiled here into the same
// package so the harnesses can use the modules' `package` API. Build and run: scripts/fuzz-avro.sh,
// scripts/fuzz-state.sh.
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "AvroFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(url: "https://github.com/apple/swift-log", from: "1.6.0")],
    targets: [
        .systemLibrary(name: "CLibdeflate", pkgConfig: "libdeflate"),
        .target(name: "Avro", dependencies: ["CLibdeflate"], swiftSettings: strictSettings),
        // main.swift hands control to libFuzzer's LLVMFuzzerRunDriver.
        .executableTarget(name: "AvroFuzz", dependencies: ["Avro"], swiftSettings: strictSettings),
        .target(name: "CAuraPrefetch"),
        // The root package's Aggregation, whole (its checkpoint store and replay log with swift-log).
        .target(
            name: "Aggregation",
            dependencies: ["Avro", "CLibdeflate", "CAuraPrefetch", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings),
        .target(
            name: "ChangelogDecoding", dependencies: ["Aggregation", "CLibdeflate"], swiftSettings: strictSettings),
        .executableTarget(
            name: "StateFuzz", dependencies: ["Aggregation", "ChangelogDecoding"], swiftSettings: strictSettings),
    ]
)
