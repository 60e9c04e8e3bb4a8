import Foundation

/// What a closed invoice says, read back from its latest revision: the manifest's totals and the
/// workbook's component lines (`aura-billing reprice` compares a candidate catalog against it).
/// Read-only; blocking (file reads, unzip).
package struct IssuedInvoice: Sendable {
    /// One line of the Components sheet.
    package struct ComponentLine: Sendable, Hashable {
        package var componentID: String
        package var queries: Int64
        package var amount: Money
    }

    package var manifest: InvoiceManifest
    package var manifestPath: String
    package var currency: Currency
    package var components: [ComponentLine]
    /// The manifest's totals, parsed.
    package var totals: PricedInvoice.Totals

    /// The latest revision of (ob, period) under `invoicesDirectory` (`<OB>/<YYYY-MM>/`); nil
    /// when no manifest exists there.
    package static func latest(invoicesDirectory: String, ob: String, period: String) throws(InvoicingError)
        -> IssuedInvoice?
    {
        let directory = ((invoicesDirectory as NSString).appendingPathComponent(ob) as NSString)
            .appendingPathComponent(period)
        guard let latest = try InvoiceWriter.latestManifest(in: directory) else { return nil }
        return try IssuedInvoice(manifest: latest.manifest, manifestPath: latest.path)
    }

    /// `manifest` (read from `manifestPath`) and the Components sheet of the workbook it names.
    package init(manifest: InvoiceManifest, manifestPath: String) throws(InvoicingError) {
        self.manifest = manifest
        self.manifestPath = manifestPath
        guard let currency = Currency(code: manifest.totals.currency) else {
            throw InvoicingError(.workbook, "unknown currency \(manifest.totals.currency)", source: manifestPath)
        }
        self.currency = currency
        let t = manifest.totals
        func money(_ text: String, _ field: String) throws(InvoicingError) -> Money {
            do { return try Money(parsing: text) } catch {
                throw InvoicingError(.workbook, "totals.\(field): \(error.message)", source: manifestPath)
            }
        }
        totals = PricedInvoice.Totals(
            components: try money(t.components, "components"), requests: try money(t.requests, "requests"),
            monthlyFee: try money(t.monthlyFee, "monthly_fee"), adjustments: try money(t.adjustments, "adjustments"),
            minimum: try money(t.minimum, "minimum"), minimumTopUp: try money(t.minimumTopUp, "minimum_top_up"),
            total: try money(t.total, "total"))
        let workbookPath = ((manifestPath as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent(manifest.workbook)
        let reader = try XLSXReader(path: workbookPath)
        guard let sheet = reader.sheets["Components"] else {
            throw InvoicingError(.workbook, "sheet Components is missing", source: workbookPath)
        }
        var lines: [ComponentLine] = []
        if sheet.lastRow >= 2 {
            for row in 2...sheet.lastRow {
                guard case .text(let id)? = sheet.value("A", row) else { continue }
                guard case .number(let queries)? = sheet.value("C", row), let count = Int64(queries),
                    case .number(let amount)? = sheet.value("F", row)
                else {
                    throw InvoicingError(
                        .workbook, "Components row \(row) has no queries or amount", source: workbookPath)
                }
                lines.append(
                    ComponentLine(componentID: id, queries: count, amount: try money(amount, "Components!F\(row)")))
            }
        }
        components = lines
    }
}
