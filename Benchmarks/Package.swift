// swift-tools-version: 6.3
// The project's one benchmark package, separate so the root package (and CI) never builds it.
//
// Sources/Avro, Sources/Aggregation, Sources/Invoicing (with its Sources/HTTPTransport) and the C
// system modules are symlinks to the root package's, compiled into this package so benchmarks can
// use the modules' `package` API.
//
// - ordo-one/benchmark suites, one per folder Benchmarks/<Name>/<Name>.swift:
//     swift package --package-path Benchmarks benchmark
// - Plain timing drivers used by the peer-comparison scripts:
//     AvroBench        (scripts/bench-avro.sh)
//     InvoicingBench   (scripts/bench-invoicing.sh)
//     AggregationBench (scripts/bench-aggregation.sh)
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// An ordo-one benchmark suite in Benchmarks/<name>/<name>.swift.
func benchmarkSuite(_ name: String, dependencies: [Target.Dependency]) -> Target {
    .executableTarget(
        name: name,
        dependencies: [.product(name: "Benchmark", package: "benchmark")] + dependencies,
        path: "Benchmarks/\(name)",
        swiftSettings: strictSettings,
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

let package = Package(
    name: "Benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    ],
    targets: [
        // MARK: The measured modules (symlinked sources)
        .systemLibrary(name: "CLibdeflate", pkgConfig: "libdeflate"),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl"),
        .target(name: "HTTPTransport", dependencies: ["CCurl"], swiftSettings: strictSettings),
        .target(name: "Avro", dependencies: ["CLibdeflate"], swiftSettings: strictSettings),
        .target(name: "CAuraPrefetch"),
        .target(
            name: "Aggregation",
            dependencies: ["Avro", "CLibdeflate", "CAuraPrefetch", .product(name: "Logging", package: "swift-log")],
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

        // Large synthetic aggregation states, shared by the checkpoint benchmarks.
        .target(name: "SyntheticAggregates", dependencies: ["Aggregation"], swiftSettings: strictSettings),
        // The synthetic invoicing months, shared by the invoicing suite and driver.
        .target(name: "SyntheticInvoices", dependencies: ["Invoicing"], swiftSettings: strictSettings),
        // Wall-clock and CPU-time clocks of the plain drivers.
        .target(name: "BenchClock", swiftSettings: strictSettings),

        // MARK: ordo-one/benchmark suites
        benchmarkSuite("AvroDecoding", dependencies: ["Avro"]),
        benchmarkSuite("AggregationBenchmarks", dependencies: ["Aggregation", "Avro", "SyntheticAggregates"]),
        benchmarkSuite("InvoicingBenchmarks", dependencies: ["Invoicing", "SyntheticInvoices"]),

        // MARK: Plain timing drivers for the comparison scripts
        .executableTarget(name: "AvroBench", dependencies: ["Avro", "BenchClock"], swiftSettings: strictSettings),
        .executableTarget(name: "InvoicingBench", dependencies: ["Invoicing", "SyntheticInvoices"], swiftSettings: strictSettings),
        .executableTarget(
            name: "AggregationBench", dependencies: ["Aggregation", "Avro", "BenchClock", "SyntheticAggregates"], swiftSettings: strictSettings
        ),
    ]
)
