// Invoice close throughput: N OBs × L usage lines priced, written as workbook + manifest.
//   InvoicingBench --catalog deploy/tariffs.yaml [--obs 50] [--lines 500] [--repeats 5] [--out DIR]
// Prints one JSON line: best and median seconds for the whole close, and for rendering alone
// (pricing + xlsx + manifest in memory, no disk).
import Foundation
import Invoicing

var arguments = ArraySlice(CommandLine.arguments.dropFirst())
var catalogPath = "deploy/tariffs.yaml"
var obCount = 50
var lineCount = 500
var repeats = 5
var outDirectory = NSTemporaryDirectory() + "aura-invoicing-bench"
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else { fatalError("missing value for \(flag)") }
    switch flag {
    case "--catalog": catalogPath = value
    case "--obs": obCount = Int(value) ?? obCount
    case "--lines": lineCount = Int(value) ?? lineCount
    case "--repeats": repeats = Int(value) ?? repeats
    case "--out": outDirectory = value
    default: fatalError("unknown flag \(flag)")
    }
}

/// Three-letter OB codes: the catalog's own first, then synthetic ones (priced by default_ob).
func obCode(_ index: Int) -> String {
    let known = ["ESP", "DEU", "BRA", "GBR", "MEX", "CHL", "JPN", "BHR"]
    if index < known.count { return known[index] }
    let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    let n = index - known.count
    return "Q" + String(letters[(n / 26) % 26]) + String(letters[n % 26])
}

/// The same synthetic data as scripts/bench-invoicing/openpyxl_peer.py: 20 components × apps × 1 service.
func input(ob: String, lines: Int) -> InvoiceInput {
    let components = ["aura-nlu", "aura-asr", "aura-tts", "aura-kbqa"] + (4..<20).map { "aura-c\($0)" }
    var usage: [InvoiceInput.UsageRow] = []
    usage.reserveCapacity(lines)
    for line in 0..<lines {
        usage.append(.init(component: components[line % components.count], app: "app-\(line / components.count)",
                           service: "service-\(line % 7)", queries: Int64(1_000 + (line * 7_919) % 250_000)))
    }
    let requests = (0..<max(1, lines / 20)).map { InvoiceInput.RequestRow(app: "app-\($0)", messages: Int64(10_000 + $0), nlpMessages: Int64(5_000 + $0)) }
    return InvoiceInput(ob: ob, period: "2026-10", usage: usage, requests: requests,
                        names: .init(components: Dictionary(uniqueKeysWithValues: components.map { ($0, "Component \($0)") })))
}

do {
    let catalogs = try TariffCatalogSet(path: catalogPath)
    let inputs = (0..<obCount).map { input(ob: obCode($0), lines: lineCount) }
    let closedAt = Date(timeIntervalSince1970: 1_793_491_200)
    var closeTimes: [Double] = []
    var renderTimes: [Double] = []
    var bytes = 0
    let clock = ContinuousClock()
    for run in 0..<repeats {
        let directory = outDirectory + "/run-\(run)"
        try? FileManager.default.removeItem(atPath: directory)
        let closer = InvoiceCloser(invoicesDirectory: directory, catalogs: catalogs)
        var renderBytes = 0
        let render = try clock.measure {
            for input in inputs { renderBytes += try closer.render(input, closedAt: closedAt).workbook.count }
        }
        let close = try clock.measure {
            for input in inputs { _ = try closer.close(input, closedAt: closedAt) }
        }
        bytes = renderBytes
        func seconds(_ d: Duration) -> Double {
            Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        renderTimes.append(seconds(render))
        closeTimes.append(seconds(close))
        try? FileManager.default.removeItem(atPath: directory)
    }
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    let report: [String: Any] = [
        "obs": obCount, "lines": lineCount, "repeats": repeats, "workbook_bytes_total": bytes,
        "close_best_s": closeTimes.min() ?? 0, "close_median_s": median(closeTimes),
        "render_best_s": renderTimes.min() ?? 0, "render_median_s": median(renderTimes),
    ]
    let json = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
} catch {
    FileHandle.standardError.write(Data("InvoicingBench: \(error)\n".utf8))
    exit(1)
}
