public import Foundation

/// Lays a ``PricedInvoice`` out as the workbook of docs/spec.md §7 — a printable `Invoice` sheet
/// first (see `InvoiceWorkbook+InvoiceSheet.swift`), then Summary, Components, Usage, Requests,
/// Adjustments — and serializes it to deterministic `.xlsx` bytes. Every sheet prints on A4, one
/// page wide, with its header row repeated and "Page N of M" in the footer.
public struct InvoiceWorkbook: Sendable {
    /// Column A labels of the Summary sheet, in order.
    public static let summaryLabels = [
        "OB", "Country", "Period", "Currency", "Invoicing model", "Total requests", "Total queries",
        "Components", "Requests", "Monthly fee", "Adjustments", "Minimum top-up", "Total",
        "Catalog version", "Closed at (UTC)", "Forced", "Inputs digest", "Invoice number", "Issue date", "Due date",
    ]
    public static let componentsHeader = ["Component ID", "Component", "Queries", "Pricing", "Unit price", "Amount"]
    public static let usageHeader = ["Component ID", "Component", "App ID", "App", "Service", "Queries"]
    public static let requestsHeader = ["App ID", "App", "Messages", "NLP messages"]
    public static let adjustmentsHeader = ["Original period", "Component ID", "Component", "Late queries", "Amount"]
    /// Labels (column A) of the priced requests line below the per-app rows; values in column C.
    public static let requestsPricedLabels = ["Requests", "Unit price", "Amount"]

    public let invoice: PricedInvoice
    public let closedAt: Date
    public let forced: Bool
    public let inputsDigest: String
    /// 1, or N for `-rN` (printed after the invoice number).
    public let revision: Int

    public init(invoice: PricedInvoice, closedAt: Date, forced: Bool, inputsDigest: String, revision: Int = 1) {
        self.invoice = invoice
        self.closedAt = closedAt
        self.forced = forced
        self.inputsDigest = inputsDigest
        self.revision = revision
    }

    /// The workbook's bytes; the same invoice, instant and digest always give the same bytes.
    public func data() throws(InvoicingError) -> Data {
        let closed = Self.utcString(closedAt)
        var package = XLSXPackage(
            amountDecimals: invoice.currency.minorUnit,
            title: "Aura invoice \(invoice.ob) \(invoice.period)",
            createdW3CDTF: closed, entryDate: Date(timeIntervalSince1970: closedAt.timeIntervalSince1970.rounded(.down))
        )
        package.sheets = [
            .init(name: "Invoice", xml: invoiceSheet().render()),
            .init(name: "Summary", xml: summary(closed: closed).render()),
            .init(name: "Components", xml: components().render(), printTitleRows: 1),
            .init(name: "Usage", xml: usage().render(), printTitleRows: 1),
            .init(name: "Requests", xml: requests().render(), printTitleRows: 1),
            .init(name: "Adjustments", xml: adjustments().render(), printTitleRows: 1),
        ]
        return try package.data()
    }

    func summary(closed: String) -> WorksheetXML {
        let t = invoice.totals
        let values: [SheetCell] = [
            .text(invoice.ob), .text(invoice.country), .text(invoice.period), .text(invoice.currency.code),
            .text(invoice.model), .integer(invoice.totalRequests), .integer(invoice.totalQueries),
            .amount(t.components), .amount(t.requests), .amount(t.monthlyFee), .amount(t.adjustments),
            .amount(t.minimumTopUp), .amount(t.total), .text(invoice.catalogVersion), .text(closed),
            .boolean(forced), .text(inputsDigest), .text(invoiceNumberText), .text(issueDate), .text(dueDateText),
        ]
        var sheet = WorksheetXML(freezeHeader: false)
        for (label, value) in zip(Self.summaryLabels, values) {
            sheet.append([.label(label), value])
        }
        sheet.minimumWidth = 18
        return sheet
    }

    func components() -> WorksheetXML {
        var sheet = WorksheetXML(freezeHeader: true)
        sheet.append(Self.componentsHeader.map(SheetCell.label))
        for line in invoice.components {
            sheet.append([
                .text(line.componentID), .text(line.name), .integer(line.queries), .text(line.pricing),
                line.unitPrice.map(SheetCell.price) ?? .empty, .amount(line.amount),
            ])
        }
        return sheet
    }

    func usage() -> WorksheetXML {
        var sheet = WorksheetXML(freezeHeader: true)
        sheet.append(Self.usageHeader.map(SheetCell.label))
        for line in invoice.usage {
            sheet.append([
                .text(line.componentID), .text(line.componentName), line.appID.isEmpty ? .empty : .text(line.appID),
                .text(line.appID.isEmpty ? Self.noApp : line.appName), .text(line.service), .integer(line.queries),
            ])
        }
        return sheet
    }

    func requests() -> WorksheetXML {
        var sheet = WorksheetXML(freezeHeader: true)
        sheet.append(Self.requestsHeader.map(SheetCell.label))
        for line in invoice.requests {
            sheet.append([
                line.appID.isEmpty ? .empty : .text(line.appID), .text(line.appID.isEmpty ? Self.noApp : line.appName),
                .integer(line.messages), .integer(line.nlpMessages),
            ])
        }
        sheet.append([])
        sheet.append([
            .label(Self.requestsPricedLabels[0]), .empty, .integer(invoice.totalRequests),
            .integer(invoice.totalNLPMessages),
        ])
        sheet.append([.label(Self.requestsPricedLabels[1]), .empty, .price(invoice.requestUnitPrice)])
        sheet.append([.label(Self.requestsPricedLabels[2]), .empty, .amount(invoice.totals.requests)])
        return sheet
    }

    func adjustments() -> WorksheetXML {
        var sheet = WorksheetXML(freezeHeader: true)
        sheet.append(Self.adjustmentsHeader.map(SheetCell.label))
        for line in invoice.adjustments {
            sheet.append([
                .text(line.originalPeriod), .text(line.componentID), .text(line.name),
                .integer(line.lateQueries), .amount(line.amount),
            ])
        }
        return sheet
    }

    /// The App column of usage and requests without an app (gateway messages sent outside an app).
    public static let noApp = "(no app)"

    /// `2026-11-01T00:05:00Z` (whole seconds, UTC).
    public static func utcString(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))Z"
    }
}
