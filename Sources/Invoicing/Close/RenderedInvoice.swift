public import Foundation

/// An invoice priced and serialized, not yet written: the workbook and manifest bytes.
public struct RenderedInvoice: Sendable {
    public var invoice: PricedInvoice
    public var manifest: InvoiceManifest
    public var workbook: Data
    public var manifestData: Data
}
