import Foundation
import Invoicing
import Testing

@Suite("Close: idempotence, revisions, manifest")
struct CloseTests {
    func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    @Test("re-closing the same inputs writes nothing; another directory gets byte-identical files")
    func idempotentAndDeterministic() throws {
        let (catalogs, _) = try TestCatalogs.load()
        let first = try TestPaths.temporaryDirectory("close1")
        let second = try TestPaths.temporaryDirectory("close2")
        let writer = InvoiceWriter(invoicesDirectory: first, catalogs: catalogs)
        let a = try writer.write(SampleInvoice.input(), closedAt: SampleInvoice.closedAt)
        #expect(a.written && a.revision == 1)
        let workbook = try #require(bytes(a.workbookPath))
        let manifest = try #require(bytes(a.manifestPath))

        let again = try writer.write(SampleInvoice.input(), closedAt: SampleInvoice.closedAt)
        #expect(!again.written && again.revision == 1)
        #expect(bytes(a.workbookPath) == workbook && bytes(a.manifestPath) == manifest)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: a.directory).sorted()
                == ["aura-invoice-ESP-2026-10.xlsx", "manifest.json"])

        let b = try InvoiceWriter(invoicesDirectory: second, catalogs: catalogs)
            .write(SampleInvoice.input(), closedAt: SampleInvoice.closedAt)
        #expect(bytes(b.workbookPath) == workbook)
        #expect(bytes(b.manifestPath) == manifest)
    }

    @Test("a different result becomes revision -r2, never an overwrite")
    func correctionIsARevision() throws {
        let (catalogs, _) = try TestCatalogs.load()
        let root = try TestPaths.temporaryDirectory("rev")
        let writer = InvoiceWriter(invoicesDirectory: root, catalogs: catalogs)
        let original = try writer.write(SampleInvoice.input(), closedAt: SampleInvoice.closedAt)
        let originalBytes = try #require(bytes(original.workbookPath))
        let corrected = try writer.write(SampleInvoice.input(extraQueries: 1000), closedAt: SampleInvoice.closedAt)
        #expect(corrected.written && corrected.revision == 2)
        #expect(corrected.workbookPath.hasSuffix("/aura-invoice-ESP-2026-10-r2.xlsx"))
        #expect(corrected.manifestPath.hasSuffix("/manifest-r2.json"))
        #expect(bytes(original.workbookPath) == originalBytes)
        #expect(corrected.invoice.totals.components > original.invoice.totals.components)
        // Re-closing the correction is idempotent too.
        let again = try writer.write(SampleInvoice.input(extraQueries: 1000), closedAt: SampleInvoice.closedAt)
        #expect(!again.written && again.revision == 2)
        let third = try writer.write(SampleInvoice.input(), closedAt: SampleInvoice.closedAt)
        #expect(third.written && third.revision == 3)
    }

    @Test("manifest records inputs, catalog hash, counts, totals and the workbook hash")
    func manifestContent() throws {
        let (catalogs, directory) = try TestCatalogs.load()
        let root = try TestPaths.temporaryDirectory("manifest")
        let closed = try InvoiceWriter(invoicesDirectory: root, catalogs: catalogs)
            .write(SampleInvoice.input(), closedAt: SampleInvoice.closedAt)
        let data = try #require(bytes(closed.manifestPath))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["closed_at"] as? String == "2026-11-01T00:00:00Z")
        #expect(json["forced"] as? Bool == false)
        let workbook = try #require(bytes(closed.workbookPath))
        #expect(json["workbook_sha256"] as? String == (try sha256Hex(workbook)))
        let inputs = try #require(json["inputs"] as? [String: Any])
        let catalog = try #require(inputs["catalog"] as? [String: Any])
        #expect(catalog["version"] as? String == "test-2026.06")
        let catalogBytes = try #require(bytes(directory + "/2026-06.yaml"))
        #expect(catalog["sha256"] as? String == (try sha256Hex(catalogBytes)))
        let offsets = try #require(inputs["offsets"] as? [[String: Any]])
        #expect(offsets.map { $0["partition"] as? Int } == [0, 1])
        let counts = try #require(json["counts"] as? [String: Any])
        #expect(counts["records"] as? Int == 2305 && counts["quarantined"] as? Int == 1)
        let totals = try #require(json["totals"] as? [String: Any])
        #expect(totals["total"] as? String == closed.invoice.currency.format(closed.invoice.totals.total))
        #expect(totals["currency"] as? String == "EUR")
    }

    @Test("input files are hashed like sha256sum, streaming past the 1 MiB chunk size")
    func inputFileHash() throws {
        let directory = try TestPaths.temporaryDirectory("input")
        let path = directory + "/replay.avro"
        var bytes = Data(count: (1 << 20) + 12_345)
        for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 31 &+ 7) }
        try bytes.write(to: URL(fileURLWithPath: path))
        let file = try InvoiceInputs.InputFile(hashing: path)
        #expect(file.path == path)
        #expect(file.sha256 == (try sha256Hex(bytes)))
        #expect(throws: InvoicingError.self) { try InvoiceInputs.InputFile(hashing: directory + "/missing") }
    }

    func sha256Hex(_ data: Data) throws -> String {
        // Independent implementation: coreutils' sha256sum.
        let path = try TestPaths.temporaryDirectory("sha") + "/blob"
        try data.write(to: URL(fileURLWithPath: path))
        let output = try Subprocess.run("/usr/bin/sha256sum", [path])
        return String(decoding: output, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }
}
