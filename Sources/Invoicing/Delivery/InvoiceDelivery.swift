import Foundation

/// Where closed invoices go (docs/spec.md §8): a local directory (default) or an Azure Blob container.
/// Files are named `<OB>/<YYYY-MM>/<file>` at the destination; delivery is idempotent by name.
public enum InvoiceDelivery: Sendable {
    case localDirectory(LocalDirectoryDelivery)
    case azureBlob(AzureBlobDelivery)

    /// Delivers the workbook, then the manifest, of a closed invoice. Blocking.
    public func deliver(_ closed: ClosedInvoice) throws(InvoicingError) -> [DeliveryOutcome] {
        let base = "\(closed.manifest.ob)/\(closed.manifest.period)/"
        let workbookName = base + closed.manifest.workbook
        let manifestName = base + InvoiceWriter.manifestName(revision: closed.revision)
        guard let workbook = FileManager.default.contents(atPath: closed.workbookPath),
            let manifest = FileManager.default.contents(atPath: closed.manifestPath)
        else {
            throw InvoicingError(.delivery, "closed invoice files are missing", source: closed.directory)
        }
        switch self {
        case .localDirectory(let local):
            return [
                try local.put(name: workbookName, data: workbook), try local.put(name: manifestName, data: manifest),
            ]
        case .azureBlob(let azure):
            return [
                try azure.put(
                    name: workbookName, data: workbook,
                    contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                try azure.put(name: manifestName, data: manifest, contentType: "application/json"),
            ]
        }
    }
}
