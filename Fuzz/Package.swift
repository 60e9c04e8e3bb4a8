// swift-tools-version: 6.2
// libFuzzer harness for the Avro module. A separate package so the root package never builds it;
// Sources/Avro and the C module are symlinks to the root package's, compiled here into the same
// package so the harness can use the module's `package` API. Build and run: scripts/fuzz-avro.sh.
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
    ]
)
