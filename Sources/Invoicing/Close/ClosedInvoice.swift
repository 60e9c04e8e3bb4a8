/// The outcome of writing one OB's invoice (`InvoiceWriter.write`): where its files are and whether this write made them.
public struct ClosedInvoice: Sendable {
    public var invoice: PricedInvoice
    public var manifest: InvoiceManifest
    /// `<invoices>/<OB>/<YYYY-MM>`.
    public var directory: String
    public var workbookPath: String
    public var manifestPath: String
    /// 1, or N for `-rN`.
    public var revision: Int
    /// False when an identical invoice already existed (idempotent re-close): nothing was written.
    public var written: Bool
}
