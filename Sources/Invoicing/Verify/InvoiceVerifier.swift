import Foundation

/// Recomputes the invoices under a directory from their workbooks and checks them against their
/// manifests (`aura-billing verify DIR`, docs/spec.md §7).
///
/// For each `manifest[-rN].json`: the workbook's SHA-256; the Summary's totals against the sum of
/// the Components, Requests and Adjustments lines; unit-priced component lines against queries ×
/// unit price rounded half-even; the minimum top-up; the manifest's totals and inputs digest. A
/// workbook without a manifest is a problem too.
public struct InvoiceVerifier: Sendable {
    public init() {}

    /// Verifies every invoice under `directory` (recursively), sorted by path.
    public func verify(directory: String) throws(InvoicingError) -> [InvoiceVerification] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else {
            throw InvoicingError(.io, "cannot read the directory", source: directory)
        }
        var manifests: [String] = []
        var workbooks: Set<String> = []
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            let path = (directory as NSString).appendingPathComponent(relative)
            if name == "manifest.json" || (name.hasPrefix("manifest-r") && name.hasSuffix(".json")) {
                manifests.append(path)
            } else if name.hasSuffix(".xlsx") {
                workbooks.insert(path)
            }
        }
        var results: [InvoiceVerification] = []
        // By directory, then revision (manifest.json is r1, manifest-rN.json follow).
        let ordered = manifests.sorted {
            let (a, b) = (($0 as NSString).deletingLastPathComponent, ($1 as NSString).deletingLastPathComponent)
            return a != b ? a < b : Self.revision(of: $0) < Self.revision(of: $1)
        }
        for manifest in ordered {
            let result = verify(manifestPath: manifest)
            workbooks.remove(result.workbookPath)
            results.append(result)
        }
        for orphan in workbooks.sorted() {
            results.append(
                InvoiceVerification(
                    manifestPath: "", workbookPath: orphan, ob: "?", period: "?", revision: 0,
                    currency: "?", total: "?", problems: ["workbook has no manifest"]))
        }
        return results
    }

    static func revision(of manifestPath: String) -> Int {
        let name = (manifestPath as NSString).lastPathComponent
        guard name.hasPrefix("manifest-r") else { return 1 }
        return Int(name.dropFirst("manifest-r".count).dropLast(".json".count)) ?? Int.max
    }

    /// Verifies one manifest and the workbook it names.
    public func verify(manifestPath: String) -> InvoiceVerification {
        var result = InvoiceVerification(
            manifestPath: manifestPath, workbookPath: "", ob: "?", period: "?", revision: 0,
            currency: "?", total: "?", problems: [])
        guard let manifestData = FileManager.default.contents(atPath: manifestPath) else {
            result.problems.append("cannot read \(manifestPath)")
            return result
        }
        let manifest: InvoiceManifest
        do {
            manifest = try InvoiceManifest.decode(manifestData, source: manifestPath)
        } catch {
            result.problems.append(error.message)
            return result
        }
        guard !manifest.workbook.contains("/"), manifest.workbook.hasSuffix(".xlsx") else {
            result.problems.append(
                "manifest names workbook '\(manifest.workbook)', expected a .xlsx file name in its own folder")
            return result
        }
        let directory = (manifestPath as NSString).deletingLastPathComponent
        result.workbookPath = (directory as NSString).appendingPathComponent(manifest.workbook)
        result.ob = manifest.ob
        result.period = manifest.period
        result.revision = manifest.revision
        result.currency = manifest.totals.currency
        result.total = manifest.totals.total
        result.problems = check(manifest: manifest, workbookPath: result.workbookPath)
        return result
    }

    private func check(manifest: InvoiceManifest, workbookPath: String) -> [String] {
        var problems: [String] = []
        guard let bytes = FileManager.default.contents(atPath: workbookPath) else {
            return ["workbook \(manifest.workbook) is missing"]
        }
        if Digest.sha256Hex(bytes) != manifest.workbookSHA256 {
            problems.append(
                "workbook SHA-256 \(Digest.sha256Hex(bytes)) differs from the manifest's \(manifest.workbookSHA256)")
        }
        if let digest = try? InvoiceManifest.digest(of: manifest.inputs), digest != manifest.inputsDigest {
            problems.append("manifest inputs digest \(manifest.inputsDigest) does not match its inputs (\(digest))")
        }
        guard let currency = Currency(code: manifest.totals.currency) else {
            return problems + ["unknown currency \(manifest.totals.currency)"]
        }
        let reader: XLSXReader
        do {
            reader = try XLSXReader(path: workbookPath)
        } catch {
            return problems + [error.description]
        }
        for name in ["Summary", "Components", "Usage", "Requests", "Adjustments"] where reader.sheets[name] == nil {
            problems.append("sheet \(name) is missing")
        }
        guard let summarySheet = reader.sheets["Summary"], let components = reader.sheets["Components"],
            let requests = reader.sheets["Requests"], let adjustments = reader.sheets["Adjustments"]
        else {
            return problems
        }
        var summary: [String: XLSXReader.Value] = [:]
        for row in 1...max(1, summarySheet.lastRow) {
            if case .text(let label)? = summarySheet.value("A", row), let value = summarySheet.value("B", row) {
                summary[label] = value
            }
        }
        func money(_ value: XLSXReader.Value?, _ what: String) -> Money? {
            guard case .number(let text)? = value, let amount = try? Money(parsing: text) else {
                problems.append("\(what) is not a decimal number (\(value?.description ?? "blank"))")
                return nil
            }
            return amount
        }
        func integer(_ value: XLSXReader.Value?, _ what: String) -> Int64? {
            guard case .number(let text)? = value, let number = Int64(text) else {
                problems.append("\(what) is not an integer (\(value?.description ?? "blank"))")
                return nil
            }
            return number
        }
        func sum(_ amounts: [Money]) -> Money? {
            var total = Money.zero
            for amount in amounts {
                guard let next = try? total.adding(amount) else { return nil }
                total = next
            }
            return total
        }

        // Components: each line, then their sum.
        var componentAmounts: [Money] = []
        var componentQueries: Int64 = 0
        if components.lastRow >= 2 {
            for row in 2...components.lastRow {
                let queries = integer(components.value("C", row), "Components!C\(row)")
                guard let amount = money(components.value("F", row), "Components!F\(row)") else { continue }
                componentAmounts.append(amount)
                let (sum, overflow) = componentQueries.addingReportingOverflow(queries ?? 0)
                if overflow { problems.append("Components queries overflow at row \(row)") }
                componentQueries = sum
                if amount.significantDecimals > currency.minorUnit {
                    problems.append("Components!F\(row) \(amount) is not rounded to \(currency.minorUnit) decimals")
                }
                if case .text("unit")? = components.value("D", row), let queries,
                    let price = money(components.value("E", row), "Components!E\(row)"),
                    let exact = try? price.multiplied(by: queries), currency.round(exact) != amount
                {
                    problems.append(
                        "Components!F\(row) \(currency.format(amount)) ≠ \(queries) × \(price) = \(currency.format(currency.round(exact)))"
                    )
                }
            }
        }
        // Requests: the priced line below the per-app rows.
        var requestsAmount: Money?
        var requestsCount: Int64?
        var requestPrice: Money?
        for row in 1...max(1, requests.lastRow) {
            guard case .text(let label)? = requests.value("A", row) else { continue }
            switch label {
            case InvoiceWorkbook.requestsPricedLabels[0]:
                requestsCount = integer(requests.value("C", row), "Requests!C\(row)")
            case InvoiceWorkbook.requestsPricedLabels[1]:
                requestPrice = money(requests.value("C", row), "Requests!C\(row)")
            case InvoiceWorkbook.requestsPricedLabels[2]:
                requestsAmount = money(requests.value("C", row), "Requests!C\(row)")
            default: break
            }
        }
        if requestsAmount == nil { problems.append("Requests sheet has no priced Amount line") }
        if let requestsCount, let requestPrice, let requestsAmount,
            let exact = try? requestPrice.multiplied(by: requestsCount), currency.round(exact) != requestsAmount
        {
            problems.append("Requests amount \(currency.format(requestsAmount)) ≠ \(requestsCount) × \(requestPrice)")
        }
        var adjustmentAmounts: [Money] = []
        if adjustments.lastRow >= 2 {
            for row in 2...adjustments.lastRow {
                if let amount = money(adjustments.value("E", row), "Adjustments!E\(row)") {
                    adjustmentAmounts.append(amount)
                }
            }
        }

        let summaryComponents = money(summary["Components"], "Summary Components")
        let summaryRequests = money(summary["Requests"], "Summary Requests")
        let fee = money(summary["Monthly fee"], "Summary Monthly fee")
        let summaryAdjustments = money(summary["Adjustments"], "Summary Adjustments")
        let topUp = money(summary["Minimum top-up"], "Summary Minimum top-up")
        let total = money(summary["Total"], "Summary Total")
        if let s = summaryComponents, let c = sum(componentAmounts), s != c {
            problems.append("Summary Components \(currency.format(s)) ≠ sum of component lines \(currency.format(c))")
        }
        if let s = summaryRequests, let r = requestsAmount, s != r {
            problems.append("Summary Requests \(currency.format(s)) ≠ priced requests line \(currency.format(r))")
        }
        if let s = summaryAdjustments, let a = sum(adjustmentAmounts), s != a {
            problems.append("Summary Adjustments \(currency.format(s)) ≠ sum of adjustment lines \(currency.format(a))")
        }
        if let c = summaryComponents, let r = summaryRequests, let f = fee, let a = summaryAdjustments, let t = topUp,
            let total
        {
            if let recomputed = sum([c, r, f, a, t]), recomputed != total {
                problems.append(
                    "Summary Total \(currency.format(total)) ≠ lines + top-up \(currency.format(recomputed))")
            }
            if let minimum = try? Money(parsing: manifest.totals.minimum), let base = sum([c, r, f]),
                let expected = try? minimum.subtracting(base).clampedToZero, expected != t
            {
                problems.append(
                    "Minimum top-up \(currency.format(t)) ≠ max(0, \(manifest.totals.minimum) − \(currency.format(base)))"
                )
            }
        }
        if let queries = integer(summary["Total queries"], "Summary Total queries"), queries != componentQueries {
            problems.append("Summary Total queries \(queries) ≠ sum of component queries \(componentQueries)")
        }
        if let requestsTotal = integer(summary["Total requests"], "Summary Total requests"), let requestsCount,
            requestsTotal != requestsCount
        {
            problems.append("Summary Total requests \(requestsTotal) ≠ Requests line \(requestsCount)")
        }

        // Workbook against manifest.
        let pairs: [(String, Money?, String)] = [
            ("components", summaryComponents, manifest.totals.components),
            ("requests", summaryRequests, manifest.totals.requests),
            ("monthly_fee", fee, manifest.totals.monthlyFee),
            ("adjustments", summaryAdjustments, manifest.totals.adjustments),
            ("minimum_top_up", topUp, manifest.totals.minimumTopUp), ("total", total, manifest.totals.total),
        ]
        for (key, workbookValue, manifestText) in pairs {
            guard let workbookValue else { continue }
            guard let manifestValue = try? Money(parsing: manifestText) else {
                problems.append("manifest totals.\(key) '\(manifestText)' is not a decimal")
                continue
            }
            if manifestValue != workbookValue {
                problems.append("manifest totals.\(key) \(manifestText) ≠ workbook \(currency.format(workbookValue))")
            }
        }
        let textChecks: [(String, String)] = [
            ("OB", manifest.ob), ("Period", manifest.period), ("Currency", manifest.totals.currency),
            ("Inputs digest", manifest.inputsDigest), ("Closed at (UTC)", manifest.closedAt),
            ("Catalog version", manifest.inputs.catalog.version),
        ]
        for (label, expected) in textChecks {
            if case .text(let actual)? = summary[label], actual == expected { continue }
            problems.append("Summary \(label) \(summary[label]?.description ?? "blank") ≠ manifest \(expected)")
        }
        if case .boolean(let forced)? = summary["Forced"], forced == manifest.forced {
        } else {
            problems.append("Summary Forced \(summary["Forced"]?.description ?? "blank") ≠ manifest \(manifest.forced)")
        }
        if manifest.issueDate != nil {
            problems += checkInvoiceSheet(
                reader, summary: summary, manifest: manifest, total: total, currency: currency)
        }
        return problems
    }

    /// The rows added with the Invoice sheet (manifests with `issue_date`): Summary's invoice
    /// number and dates against the manifest, and the Invoice sheet's against Summary's.
    private func checkInvoiceSheet(
        _ reader: XLSXReader, summary: [String: XLSXReader.Value], manifest: InvoiceManifest, total: Money?,
        currency: Currency
    ) -> [String] {
        var problems: [String] = []
        let expected: [(String, String?)] = [
            ("Invoice number", manifest.invoiceNumber), ("Issue date", manifest.issueDate),
            ("Due date", manifest.dueDate),
        ]
        for (label, value) in expected {
            guard let value else { continue }
            if case .text(let actual)? = summary[label], actual == value { continue }
            problems.append("Summary \(label) \(summary[label]?.description ?? "blank") ≠ manifest \(value)")
        }
        if let issue = manifest.issueDate, issue != String(manifest.closedAt.prefix(10)) {
            problems.append("manifest issue_date \(issue) is not the date of closed_at \(manifest.closedAt)")
        }
        guard let sheet = reader.sheets["Invoice"] else { return problems + ["sheet Invoice is missing"] }
        var labelled: [String: (row: Int, value: XLSXReader.Value?)] = [:]
        for row in 1...max(1, sheet.lastRow) {
            if case .text(let label)? = sheet.value("A", row), labelled[label] == nil {
                labelled[label] = (
                    row, label == InvoiceWorkbook.invoiceTotalLabel ? sheet.value("D", row) : sheet.value("B", row)
                )
            }
        }
        for label in InvoiceWorkbook.invoiceHeaderLabels where label != "Period" {
            guard let found = labelled[label] else {
                problems.append("Invoice sheet has no \(label) row")
                continue
            }
            if found.value != summary[label] {
                problems.append(
                    "Invoice!B\(found.row) \(found.value?.description ?? "blank") ≠ Summary \(label) \(summary[label]?.description ?? "blank")"
                )
            }
        }
        guard let found = labelled[InvoiceWorkbook.invoiceTotalLabel] else {
            return problems + ["Invoice sheet has no Total row"]
        }
        if case .number(let text)? = found.value, let amount = try? Money(parsing: text) {
            if let total, amount != total {
                problems.append(
                    "Invoice!D\(found.row) total \(currency.format(amount)) ≠ Summary Total \(currency.format(total))")
            }
        } else {
            problems.append(
                "Invoice!D\(found.row) total is not a decimal number (\(found.value?.description ?? "blank"))")
        }
        return problems
    }
}
