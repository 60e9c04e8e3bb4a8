// Invoicing benchmarks (ordo-one/benchmark):
//   swift package --package-path Benchmarks benchmark --target InvoicingBenchmarks
import Benchmark
import Foundation
import Invoicing
import SyntheticInvoices

/// The repository root (this file is Benchmarks/Benchmarks/InvoicingBenchmarks/InvoicingBenchmarks.swift).
private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .path


let benchmarks: @Sendable () -> Void = {
    do {
        // MARK: Close: 50 OBs × 500 lines rendered in memory (pricing, xlsx workbook, manifest)
        let catalogs = try TariffCatalogSet(path: repositoryRoot + "/deploy/tariffs.yaml")
        let writer = InvoiceWriter(invoicesDirectory: NSTemporaryDirectory() + "aura-invoicing-benchmarks",
                                   catalogs: catalogs)
        let inputs = (0..<50).map { SyntheticInvoices.input(ob: SyntheticInvoices.obCode($0), lines: 500) }
        let closedAt = Date(timeIntervalSince1970: 1_793_491_200)
        Benchmark(
            "InvoiceWriter.render: close 50 OBs × 500 lines (workbook + manifest, in memory)",
            configuration: .init(
                metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
                maxDuration: .seconds(10), maxIterations: 20)
        ) { benchmark in
            for _ in benchmark.scaledIterations {
                var bytes = 0
                for input in inputs {
                    let rendered = try writer.render(input, closedAt: closedAt)
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
