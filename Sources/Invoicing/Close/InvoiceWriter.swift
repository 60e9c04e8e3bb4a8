public import Foundation

/// Writes invoices into the invoice directory (docs/spec.md §6–§7): prices the input, writes the workbook
/// and `manifest.json` atomically under `<invoices>/<OB>/<YYYY-MM>/`.
///
/// Writing again with the same inputs and `closedAt` writes nothing (byte-identical); a different
/// result becomes a new revision (`aura-invoice-ESP-2026-10-r2.xlsx` + `manifest-r2.json`), never an
/// overwrite. The workbook is written before its manifest; a revision counts only once its manifest
/// exists, so a crash between the two is repaired by the next write. Synchronous and blocking: call
/// it off the cooperative pool, and serialize writes of the same OB and period (revision numbers
/// are chosen from the directory's contents).
public struct InvoiceWriter: Sendable {
    public let invoicesDirectory: String
    public let pricer: InvoicePricer

    public init(invoicesDirectory: String, catalogs: TariffCatalogSet) {
        self.invoicesDirectory = invoicesDirectory
        self.pricer = InvoicePricer(catalogs: catalogs)
    }

    /// `aura-invoice-<OB>-<YYYY-MM>[-rN].xlsx`.
    public static func workbookName(ob: String, period: String, revision: Int) -> String {
        "aura-invoice-\(ob)-\(period)\(revision > 1 ? "-r\(revision)" : "").xlsx"
    }

    /// `manifest[-rN].json`.
    public static func manifestName(revision: Int) -> String {
        revision > 1 ? "manifest-r\(revision).json" : "manifest.json"
    }

    /// Prices and serializes `input` as revision `revision` without touching the disk.
    public func render(_ input: InvoiceInput, closedAt: Date, revision: Int = 1) throws(InvoicingError)
        -> RenderedInvoice
    {
        let invoice = try pricer.price(input)
        let inputs = InvoiceManifest.Inputs(
            offsets: input.inputs.offsets.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) },
            files: input.inputs.files.sorted { $0.path < $1.path },
            catalog: .init(
                version: invoice.catalogVersion, sha256: invoice.catalogSHA256,
                file: (invoice.catalogFile as NSString).lastPathComponent))
        let digest = try InvoiceManifest.digest(of: inputs)
        let layout = InvoiceWorkbook(
            invoice: invoice, closedAt: closedAt, forced: input.forced, inputsDigest: digest, revision: revision)
        let workbook = try layout.data()
        let currency = invoice.currency
        let t = invoice.totals
        let manifest = InvoiceManifest(
            ob: input.ob, period: input.period, revision: revision,
            workbook: Self.workbookName(ob: input.ob, period: input.period, revision: revision),
            workbookSHA256: Digest.sha256Hex(workbook), inputs: inputs, inputsDigest: digest, counts: input.counts,
            totals: .init(
                currency: currency.code, components: currency.format(t.components),
                requests: currency.format(t.requests), monthlyFee: currency.format(t.monthlyFee),
                adjustments: currency.format(t.adjustments), minimum: currency.format(t.minimum),
                minimumTopUp: currency.format(t.minimumTopUp), total: currency.format(t.total),
                totalQueries: invoice.totalQueries, totalRequests: invoice.totalRequests),
            forced: input.forced, closedAt: InvoiceWorkbook.utcString(closedAt),
            invoiceNumber: invoice.invoiceNumber?.display(revision: revision), issueDate: layout.issueDate,
            dueDate: invoice.paymentTermsDays == nil ? nil : layout.dueDateText)
        return RenderedInvoice(
            invoice: invoice, manifest: manifest, workbook: workbook,
            manifestData: try manifest.encoded())
    }

    /// Writes the files of `input` unless an identical latest revision exists.
    public func write(_ input: InvoiceInput, closedAt: Date) throws(InvoicingError) -> ClosedInvoice {
        guard TariffCatalogParser.isOBCode(input.ob) else {
            throw InvoicingError(.pricing, "OB code '\(input.ob)' must be 3 uppercase letters")
        }
        let directory = ((invoicesDirectory as NSString).appendingPathComponent(input.ob) as NSString)
            .appendingPathComponent(input.period)
        try AtomicFile.makeDirectory(directory)
        // A crash while writing left a half-written temporary; writes of this OB and period are
        // serialized, so it is nobody's now (and must not be delivered with the invoice).
        AtomicFile.removeTemporaries(in: directory)
        let latest = Self.latestRevision(in: directory)
        if latest > 0 {
            let existing = try render(input, closedAt: closedAt, revision: latest)
            let workbookPath = (directory as NSString).appendingPathComponent(existing.manifest.workbook)
            let manifestPath = (directory as NSString).appendingPathComponent(Self.manifestName(revision: latest))
            if FileManager.default.contents(atPath: workbookPath) == existing.workbook,
                FileManager.default.contents(atPath: manifestPath) == existing.manifestData
            {
                return ClosedInvoice(
                    invoice: existing.invoice, manifest: existing.manifest, directory: directory,
                    workbookPath: workbookPath, manifestPath: manifestPath, revision: latest,
                    written: false)
            }
        }
        let revision = latest + 1
        let rendered = try render(input, closedAt: closedAt, revision: revision)
        let workbookPath = (directory as NSString).appendingPathComponent(rendered.manifest.workbook)
        let manifestPath = (directory as NSString).appendingPathComponent(Self.manifestName(revision: revision))
        try AtomicFile.write(rendered.workbook, to: workbookPath)
        try AtomicFile.write(rendered.manifestData, to: manifestPath)
        return ClosedInvoice(
            invoice: rendered.invoice, manifest: rendered.manifest, directory: directory,
            workbookPath: workbookPath, manifestPath: manifestPath, revision: revision, written: true)
    }

    /// The manifest of the highest revision in `directory` (`<invoices>/<OB>/<YYYY-MM>`), its
    /// revision and path; nil when no manifest exists there. Blocking (a file read).
    /// - Throws: `.io` when the manifest cannot be read, `.verification` when it does not parse.
    package static func latestManifest(in directory: String) throws(InvoicingError) -> (
        revision: Int, path: String, manifest: InvoiceManifest
    )? {
        let revision = latestRevision(in: directory)
        guard revision > 0 else { return nil }
        let path = (directory as NSString).appendingPathComponent(manifestName(revision: revision))
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InvoicingError(.io, "cannot read the manifest", source: path)
        }
        return (revision, path, try InvoiceManifest.decode(data, source: path))
    }

    /// Highest revision whose manifest exists in `directory` (0 when none).
    public static func latestRevision(in directory: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var latest = 0
        for name in names {
            if name == "manifest.json" {
                latest = max(latest, 1)
            } else if name.hasPrefix("manifest-r"), name.hasSuffix(".json"),
                let number = Int(name.dropFirst("manifest-r".count).dropLast(".json".count)), number > 1
            {
                latest = max(latest, number)
            }
        }
        return latest
    }
}
