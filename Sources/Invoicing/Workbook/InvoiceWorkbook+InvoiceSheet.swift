import Foundation

extension InvoiceWorkbook {
    /// Component lines the Invoice sheet lists one by one; with more it prints one summary line
    /// pointing at the Components sheet (the page stays one A4 page).
    public static let invoiceSheetComponentLimit = 15

    /// Labels (column A) of the Invoice sheet's header rows; their values are in column B.
    public static let invoiceHeaderLabels = ["Invoice number", "Issue date", "Due date", "Period"]
    /// Label (column A) of the Invoice sheet's total line; the amount is in column D.
    public static let invoiceTotalLabel = "Total"

    /// The number printed on this revision, or a plain statement that there is none.
    var invoiceNumberText: String {
        invoice.invoiceNumber?.display(revision: revision)
            ?? "not assigned (closed before invoice numbering existed)"
    }

    /// Issue date: the UTC date of the instant the close was first recorded (`YYYY-MM-DD`), so a
    /// rerun prints the same date.
    var issueDate: String { String(Self.utcString(closedAt).prefix(10)) }

    /// Issue date + the catalog's `payment_terms_days`, or a plain statement that terms are not set.
    var dueDateText: String {
        guard let days = invoice.paymentTermsDays else {
            return "not set (the catalog has no payment_terms_days)"
        }
        let midnight = (closedAt.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400
        return String(Self.utcString(Date(timeIntervalSince1970: midnight + Double(days) * 86_400)).prefix(10))
    }

    /// `2026-10 (2026-10-01 to 2026-10-31, Europe/Madrid)`.
    var periodText: String {
        let zone = invoice.timeZone.map { "time zone \($0)" } ?? "time zone not recorded"
        let parts = invoice.period.split(separator: "-")
        guard parts.count == 2, let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month) else {
            return "\(invoice.period) (\(zone))"
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let last = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return "\(invoice.period) (\(invoice.period)-01 to \(invoice.period)-\(last), \(zone))"
    }

    /// The printable first sheet: title, number and dates, issuer and bill-to, the lines, the
    /// total, payment terms and a footer with the catalog version and inputs digest. Columns:
    /// A description, B quantity, C unit price, D amount; long text overflows to the right.
    func invoiceSheet() -> WorksheetXML {
        var sheet = WorksheetXML(freezeHeader: false)
        sheet.fixedWidths = [46, 14, 14, 18]
        let currency = invoice.currency.code
        sheet.append([.title("INVOICE")])
        sheet.append([])
        let headerValues = [invoiceNumberText, issueDate, dueDateText, periodText]
        for (label, value) in zip(Self.invoiceHeaderLabels, headerValues) {
            sheet.append([.label(label), .text(value)])
        }
        sheet.append([])
        party(&sheet, "Issuer", invoice.issuer, missing: "not set (the catalog has no issuer)")
        sheet.append([])
        party(
            &sheet, "Bill to", invoice.billTo,
            missing: "not set (the catalog has no bill_to for \(invoice.ob)); \(invoice.country), OB \(invoice.ob)")
        sheet.append([])

        sheet.append([.label("Description"), .label("Quantity"), .label("Unit price"), .label("Amount (\(currency))")])
        let t = invoice.totals
        if invoice.components.count > Self.invoiceSheetComponentLimit {
            sheet.append([
                .text("Components: \(invoice.components.count) lines, see the Components sheet"),
                .integer(invoice.totalQueries), .empty, .amount(t.components),
            ])
        } else {
            for line in invoice.components {
                let description = line.name == line.componentID ? line.name : "\(line.name) (\(line.componentID))"
                sheet.append([
                    .text(description), .integer(line.queries),
                    line.unitPrice.map(SheetCell.price) ?? .text(line.pricing), .amount(line.amount),
                ])
            }
        }
        sheet.append([
            .text("Requests (gateway messages)"), .integer(invoice.totalRequests), .price(invoice.requestUnitPrice),
            .amount(t.requests),
        ])
        sheet.append([.text("Monthly fee"), .empty, .empty, .amount(t.monthlyFee)])
        sheet.append([
            .text("Adjustments (late events of earlier periods, see Adjustments)"), .empty, .empty,
            .amount(t.adjustments),
        ])
        sheet.append([.text("Minimum top-up"), .empty, .empty, .amount(t.minimumTopUp)])
        sheet.append([.label(Self.invoiceTotalLabel), .empty, .label(currency), .totalAmount(t.total)])
        sheet.append([])
        let terms =
            invoice.paymentTermsDays.map { "Payment due within \($0) days of the issue date, by \(dueDateText)." }
            ?? "Payment terms not set (the catalog has no payment_terms_days)."
        sheet.append([.label("Payment terms")])
        sheet.append([.text(terms)])
        sheet.append([])
        sheet.append([.text("Catalog version \(invoice.catalogVersion) · closed at \(Self.utcString(closedAt))")])
        sheet.append([.text("Inputs digest \(inputsDigest)")])
        return sheet
    }

    private func party(_ sheet: inout WorksheetXML, _ title: String, _ party: InvoiceParty?, missing: String) {
        sheet.append([.label(title)])
        guard let party else {
            sheet.append([.text(missing)])
            return
        }
        sheet.append([.text(party.legalName)])
        if let tax = party.taxID { sheet.append([.text("Tax ID \(tax)")]) }
        for line in party.addressLines { sheet.append([.text(line)]) }
    }
}
