// Invoice close throughput: N OBs × L usage lines priced, written as workbook + manifest.
//   InvoicingBench --catalog deploy/tariffs.yaml [--obs 50] [--lines 500] [--repeats 5] [--out DIR]
// Prints one JSON line: best and median seconds for the whole close, and for rendering alone
// (pricing + xlsx + manifest in memory, no disk).
import Foundation
import Invoicing
import SyntheticInvoices

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


do {
    let catalogs = try TariffCatalogSet(path: catalogPath)
    let inputs = (0..<obCount).map { SyntheticInvoices.input(ob: SyntheticInvoices.obCode($0), lines: lineCount) }
    let closedAt = Date(timeIntervalSince1970: 1_793_491_200)
    var closeTimes: [Double] = []
    var renderTimes: [Double] = []
    var bytes = 0
    let clock = ContinuousClock()
    for run in 0..<repeats {
        let directory = outDirectory + "/run-\(run)"
        try? FileManager.default.removeItem(atPath: directory)
        let writer = InvoiceWriter(invoicesDirectory: directory, catalogs: catalogs)
        var renderBytes = 0
        let render = try clock.measure {
            for input in inputs { renderBytes += try writer.render(input, closedAt: closedAt).workbook.count }
        }
        let close = try clock.measure {
            for input in inputs { _ = try writer.write(input, closedAt: closedAt) }
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
