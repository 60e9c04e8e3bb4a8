package import Invoicing

/// The synthetic months the invoicing benchmarks close (the same data as
/// scripts/bench-invoicing/openpyxl_peer.py): 20 components × apps × 1 service per OB.
package enum SyntheticInvoices {
    /// Three-letter OB codes: the catalog's own first, then synthetic ones (priced by default_ob).
    package static func obCode(_ index: Int) -> String {
        let known = ["ESP", "DEU", "BRA", "GBR", "MEX", "CHL", "JPN", "BHR"]
        if index < known.count { return known[index] }
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        let n = index - known.count
        return "Q" + String(letters[(n / 26) % 26]) + String(letters[n % 26])
    }

    /// One OB's month: `lines` usage lines over 20 components, plus request rows.
    package static func input(ob: String, lines: Int) -> InvoiceInput {
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
}
