/// The verdict on one invoice revision (a manifest and its workbook).
public struct InvoiceVerification: Sendable, Hashable {
    public var manifestPath: String
    public var workbookPath: String
    public var ob: String
    public var period: String
    public var revision: Int
    public var currency: String
    public var total: String
    /// Empty when the invoice checks out.
    public var problems: [String]

    public var ok: Bool { problems.isEmpty }

    /// One line: `OK ESP 2026-10 r1 total 123.45 EUR (path)` or `FAIL ... : problem; problem`.
    public var line: String {
        let head = "\(ob) \(period) r\(revision) total \(total) \(currency) (\(workbookPath))"
        return ok ? "OK   \(head)" : "FAIL \(head): " + problems.joined(separator: "; ")
    }
}
