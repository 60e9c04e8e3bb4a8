// Invoicing benchmarks (ordo-one/benchmark):
//   swift package --package-path Benchmarks benchmark --target InvoicingBenchmarks
import Benchmark
import Foundation
import Invoicing

/// The repository root (this file is Benchmarks/Benchmarks/InvoicingBenchmarks/InvoicingBenchmarks.swift).
private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .path

/// Three-letter OB codes: the catalog's own first, then synthetic ones (priced by default_ob).
/// The same data as InvoicingBench and scripts/bench-invoicing/openpyxl_peer.py.
func obCode(_ index: Int) -> String {
    let known = ["ESP", "DEU", "BRA", "GBR", "MEX", "CHL", "JPN", "BHR"]
    if index < known.count { return known[index] }
    let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    let n = index - known.count
    return "Q" + String(letters[(n / 26) % 26]) + String(letters[n % 26])
}

/// One OB's month: `lines` usage lines over 20 components, plus request rows.
func input(ob: String, lines: Int) -> InvoiceInput {
    let components = ["aura-nlu", "aura-asr", "aura-tts", "aura-kbqa"] + (4..<20).map { "aura-c\($0)" }
    var usage: [InvoiceInput.UsageRow] = []
    usage.reserveCapacity(lines)
    for line in 0..<lines {
        usage.append(.init(component: components[line % components.count], app: "app-\(line / components.count)",
                           service: "service-\(line % 7)", queries: Int64(1_000 + (line * 7_919) % 250_000)))
    }
    let requests = (0..<max(1, lines / 20)).map {
        InvoiceInput.RequestRow(app: "app-\($0)", messages: Int64(10_000 + $0), nlpMessages: Int64(5_000 + $0))
    }
    return InvoiceInput(
        ob: ob, period: "2026-10", usage: usage, requests: requests,
        names: .init(components: Dictionary(uniqueKeysWithValues: components.map { ($0, "Component \($0)") })))
}

let benchmarks: @Sendable () -> Void = {
    do {
        // MARK: Close: 50 OBs × 500 lines rendered in memory (pricing, xlsx workbook, manifest)
        let catalogs = try TariffCatalogSet(path: repositoryRoot + "/deploy/tariffs.yaml")
        let closer = InvoiceCloser(invoicesDirectory: NSTemporaryDirectory() + "aura-invoicing-benchmarks",
                                   catalogs: catalogs)
        let inputs = (0..<50).map { input(ob: obCode($0), lines: 500) }
        let closedAt = Date(timeIntervalSince1970: 1_793_491_200)
        Benchmark(
            "InvoiceCloser.render: close 50 OBs × 500 lines (workbook + manifest, in memory)",
            configuration: .init(
                metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
                maxDuration: .seconds(10), maxIterations: 20)
        ) { benchmark in
            for _ in benchmark.scaledIterations {
                var bytes = 0
                for input in inputs {
                    let rendered = try closer.render(input, closedAt: closedAt)
                    bytes += rendered.workbook.count + rendered.manifestData.count
                }
                blackHole(bytes)
            }
        }

        // MARK: Money: price × quantity, rounded to the currency's minor unit
        let prices = try ["0.000125", "0.0042", "1.25", "0.0375", "12.5", "0.000009", "3.14159", "0.5"]
            .map { text throws(InvoicingError) in try Money(parsing: text) }
        guard let euro = Currency(code: "EUR") else { fatalError("EUR is a known currency") }
        Benchmark(
            "Money multiply + round (price × queries, to EUR cents)",
            configuration: .init(
                metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo,
                maxDuration: .seconds(2), maxIterations: 50_000)
        ) { benchmark in
            var total = Money.zero
            for index in benchmark.scaledIterations {
                let amount = try prices[index & 7].multiplied(by: Int64(1_000 + index * 7_919))
                total = try total.adding(euro.round(amount))
            }
            blackHole(total)
        }
    } catch {
        fatalError("InvoicingBenchmarks setup failed: \(error)")
    }
}
