// swift-tools-version: 6.2
// Peer-comparison benchmark drivers for the Avro and Invoicing modules. A separate package so the root package never builds it;
// Sources/Avro and the C modules are symlinks to the root package's, compiled here into the same
// package so the harness can use the module's `package` API. Build and run: scripts/bench-avro.sh,
// scripts/bench-invoicing.sh.
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "AvroBench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    ],
    targets: [
        .systemLibrary(name: "CAuraZlib", pkgConfig: "zlib"),
        .systemLibrary(name: "CLibdeflate", pkgConfig: "libdeflate"),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl"),
        .target(name: "Avro", dependencies: ["CAuraZlib", "CLibdeflate", "CCurl"], swiftSettings: strictSettings),
        .executableTarget(name: "AvroBench", dependencies: ["Avro"], swiftSettings: strictSettings),
        .target(
            name: "Invoicing",
            dependencies: [
                "CCurl",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(name: "InvoicingBench", dependencies: ["Invoicing"], swiftSettings: strictSettings),
    ]
)
