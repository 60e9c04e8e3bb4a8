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
    targets: [
        .systemLibrary(name: "CLibdeflate", pkgConfig: "libdeflate"),
        .target(name: "Avro", dependencies: ["CLibdeflate"], swiftSettings: strictSettings),
        // main.swift hands control to libFuzzer's LLVMFuzzerRunDriver.
        .executableTarget(name: "AvroFuzz", dependencies: ["Avro"], swiftSettings: strictSettings),
        .target(name: "CAuraPrefetch"),
        // The root package's Aggregation without its two users of swift-log (not needed to decode).
        .target(
            name: "Aggregation", dependencies: ["Avro", "CLibdeflate", "CAuraPrefetch"],
            exclude: ["Replay/ReplayRunner.swift", "Checkpoint/CheckpointStore.swift"], swiftSettings: strictSettings),
        .target(
            name: "ChangelogDecoding", dependencies: ["Aggregation", "CLibdeflate"], swiftSettings: strictSettings),
        .executableTarget(
            name: "StateFuzz", dependencies: ["Aggregation", "ChangelogDecoding"], swiftSettings: strictSettings),
    ]
)
