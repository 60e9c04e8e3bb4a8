// swift-tools-version: 6.2
import PackageDescription

/// Every target is compiled in the Swift 6 language mode with these upcoming features on.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "aura-billing",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "aura-billing", targets: ["AuraBilling"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
    ],
    targets: [
        // MARK: C system libraries
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .systemLibrary(
            name: "CLibdeflate",
            pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),

        // Header-only __builtin_prefetch for the dedup table's batched probes, and glibc's malloc_trim
        // after a compaction (Aggregation only).
        .target(name: "CAuraPrefetch"),

        // MARK: The HTTP client: the only importer of libcurl
        .target(
            name: "HTTPTransport",
            dependencies: ["CCurl"],
            swiftSettings: strictSettings
        ),

        // MARK: Libraries: decode → aggregate → price
        .target(
            name: "Avro",
            dependencies: ["CLibdeflate"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Aggregation",
            dependencies: [
                "Avro",
                "CLibdeflate",
                "CAuraPrefetch",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Invoicing",
            dependencies: [
                "HTTPTransport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: The Kafka bridge: the only importer of librdkafka
        .target(
            name: "KafkaBridge",
            dependencies: [
                "CRdKafka",
                // For PartitionKey only: the one topic-partition key of the bridge and the state.
                "Aggregation",
                "HTTPTransport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: The daemon engine (ingest, checkpoint, close, scale-out, runtime, HTTP, configuration)
        .target(
            name: "StreamDaemon",
            dependencies: [
                "KafkaBridge",
                "CLibdeflate",
                "Avro",
                "Aggregation",
                "Invoicing",
                "HTTPTransport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Development tooling: demo month, embedded cluster command, benchmark commands
        .target(
            name: "DevTools",
            dependencies: [
                "Avro",
                "StreamDaemon",
                "KafkaBridge",
                "Aggregation",
                "HTTPTransport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: The thin executable: @main, argument parsing, one file per command
        .executableTarget(
            name: "AuraBilling",
            dependencies: [
                "StreamDaemon",
                "DevTools",
                "Invoicing",
                "HTTPTransport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Tests
        .testTarget(
            name: "AvroTests",
            dependencies: ["Avro"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AggregationTests",
            dependencies: ["Aggregation", "Avro"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "InvoicingTests",
            dependencies: ["Invoicing"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StreamDaemonTests",
            dependencies: [
                "StreamDaemon",
                "KafkaBridge",
                "DevTools",
                "Avro",
                "Aggregation",
                "Invoicing",
                "HTTPTransport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
