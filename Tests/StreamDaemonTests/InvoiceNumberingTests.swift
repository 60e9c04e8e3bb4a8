import Foundation
import Invoicing
import Testing

@testable import StreamDaemon

/// Issue 20: invoice numbers are assigned when a close is first recorded and stored with it, so
/// kills, reruns and racing closers reuse them; they never repeat and never skip.
@Suite("Invoice numbering across kills, reruns and racing closers", .serialized)
struct InvoiceNumberingTests {
    static let obs = ["ARG", "BRA", "CHL", "COL", "DEU", "ECU", "ESP", "GBR", "MEX", "PER", "URY", "VEN"]

    /// 100 closes (12 OBs, periods 2026-01 onwards, in close order), each interrupted at one of
    /// the journal's crash points and restarted from what is on disk: before the journal is
    /// written, with its temporary file left half-written, or after the rename (the close then
    /// runs again and must find it). The numbers come out 1...100 in close order.
    @Test("100 closes, each killed at a journal crash point and rerun: numbers 1...100 in close order, none repeated")
    func hundredClosesWithCrashes() throws {
        let stateDir = NSTemporaryDirectory() + "aura-numbering-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: stateDir) }
        var closes: [(ob: String, period: String)] = []
        for month in 1...9 { for ob in Self.obs { closes.append((ob, String(format: "2026-%02d", month))) } }
        closes = Array(closes.prefix(100))
        let closedAtMs: Int64 = 1_793_491_200_000  // 2026-11-01T00:00:00Z
        var random = SplitMix64(seed: 20)
        var crashes = [0, 0, 0]
        for (index, close) in closes.enumerated() {
            let point = Int(random.next() % 3)
            crashes[point] += 1
            switch point {
            case 0:  // killed before the journal write: nothing on disk
                break
            case 1:  // killed during the write: a half-written temporary, never renamed
                try FileManager.default.createDirectory(atPath: stateDir + "/closes", withIntermediateDirectories: true)
                let path = CloseJournal.path(stateDir: stateDir, ob: close.ob, period: close.period)
                try Data("{\"ob\":\"".utf8).write(to: URL(fileURLWithPath: path + ".tmp-99999"))
            default:  // killed after the rename: the rerun must reuse the journal
                var fresh: [InvoiceNumber]?
                _ = try CloseJournal.recordOnce(
                    ob: close.ob, period: close.period, forced: false, offsets: [],
                    closedAtMs: closedAtMs + Int64(index),
                    catalogs: nil, stateDir: stateDir, numbers: &fresh)
            }
            // The restart: a new process knows nothing but the state directory.
            var numbers: [InvoiceNumber]?
            let journal = try CloseJournal.recordOnce(
                ob: close.ob, period: close.period, forced: false, offsets: [], closedAtMs: closedAtMs + Int64(index),
                catalogs: nil, stateDir: stateDir, numbers: &numbers)
            #expect(journal.invoiceNumber == "AURA-2026-\(String(format: "%06d", index + 1))", "close \(index)")
            #expect(journal.closedAtMs == closedAtMs + Int64(index))
        }
        let numbers = try InvoiceNumbering.journalNumbers(stateDir: stateDir)
        #expect(numbers.count == 100 && Set(numbers).count == 100)
        #expect(numbers.map(\.sequence).sorted() == Array(1...100))
        #expect(crashes.allSatisfy { $0 > 10 }, "every crash point was exercised: \(crashes)")
    }

    @Test("the year and the catalog's prefix start their own sequences; an unreadable journal stops numbering")
    func sequencesAndDamage() throws {
        let stateDir = NSTemporaryDirectory() + "aura-numbering-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: stateDir) }
        let catalogPath = stateDir + "-catalog.yaml"
        defer { try? FileManager.default.removeItem(atPath: catalogPath) }
        try """
        catalog_version: "v1"
        effective_from: "2026-06"
        invoice_prefix: "NEW"
        price_lists: { eur: { currency: EUR, default_unit_price: "0.001" } }
        default_ob: { price_list: eur }
        """.write(toFile: catalogPath, atomically: true, encoding: .utf8)
        let catalogs = try TariffCatalogSet(path: catalogPath)
        var numbers: [InvoiceNumber]?
        func close(_ ob: String, _ period: String, at ms: Int64) throws -> String? {
            try CloseJournal.recordOnce(
                ob: ob, period: period, forced: false, offsets: [], closedAtMs: ms, catalogs: catalogs,
                stateDir: stateDir, numbers: &numbers
            ).invoiceNumber
        }
        let december2026: Int64 = 1_796_083_200_000  // 2026-12-01
        let january2027: Int64 = 1_798_761_600_000  // 2027-01-01
        #expect(try close("ESP", "2026-11", at: december2026) == "NEW-2026-000001")
        #expect(try close("DEU", "2026-11", at: december2026) == "NEW-2026-000002")
        #expect(try close("ESP", "2026-12", at: january2027) == "NEW-2027-000001")
        // No catalog effective in 2026-01: the default prefix, its own sequence.
        #expect(try close("ESP", "2026-01", at: january2027) == "AURA-2027-000001")
        #expect(try close("ESP", "2026-11", at: january2027) == "NEW-2026-000001", "the journal wins")

        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: stateDir + "/closes/FRA-2026-09.json"))
        numbers = nil
        #expect(throws: DaemonError.self) { try close("FRA", "2026-10", at: january2027) }
    }

    @Test(
        "journals of retired periods go, but the one holding a sequence's highest number stays: the next close numbers after it"
    )
    func retiredJournalsKeepTheHighestNumber() throws {
        let stateDir = NSTemporaryDirectory() + "aura-numbering-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: stateDir) }
        let closedAtMs: Int64 = 1_793_491_200_000  // 2026-11-01T00:00:00Z
        var numbers: [InvoiceNumber]?
        for (index, (ob, period)) in [("ESP", "2026-08"), ("BRA", "2026-08"), ("ESP", "2026-09")].enumerated() {
            var journal = try CloseJournal.recordOnce(
                ob: ob, period: period, forced: false, offsets: [], closedAtMs: closedAtMs + Int64(index),
                catalogs: nil, stateDir: stateDir, numbers: &numbers)
            journal.done = true
            try journal.save(stateDir: stateDir)
        }
        // Every period retired (a quiet spell: no close since).
        #expect(CloseJournal.removeRetired(stateDir: stateDir) { _, _ in true } == 2)
        let left = try CloseJournal.all(stateDir: stateDir)
        #expect(left.map { "\($0.ob) \($0.period) \($0.invoiceNumber ?? "-")" } == ["ESP 2026-09 AURA-2026-000003"])
        // A new process numbers the next close after the journal kept, never from 1 again.
        numbers = nil
        let next = try CloseJournal.recordOnce(
            ob: "ESP", period: "2026-10", forced: false, offsets: [], closedAtMs: closedAtMs + 10, catalogs: nil,
            stateDir: stateDir, numbers: &numbers)
        #expect(next.invoiceNumber == "AURA-2026-000004")
    }

    @Test("scale-out: racing closers that pick the same number for different keys; the later request does not count")
    func racingRequests() throws {
        func request(_ ob: String, _ number: String?, by requester: String = "a") -> CloseRecord {
            CloseRecord(
                kind: .request, ob: ob, period: "2026-10", closedAtMs: 1, forced: false, requester: requester,
                offsets: [], invoiceNumber: number)
        }
        var summary = CloseLog.Summary()
        summary.add(request("ESP", "AURA-2026-000001", by: "a"))
        summary.add(request("DEU", "AURA-2026-000001", by: "b"))  // lost the race for the number
        summary.add(request("ESP", "AURA-2026-000002", by: "b"))  // the key's first request already won
        #expect(summary.requests["ESP-2026-10"]?.invoiceNumber == "AURA-2026-000001")
        #expect(summary.requests["DEU-2026-10"] == nil)
        // The loser asks again with the next number after the counted ones.
        let next = InvoiceNumbering.next(
            catalogs: nil, period: "2026-10", closedAtMs: 1_793_491_200_000, after: summary.invoiceNumbers)
        summary.add(request("DEU", next.description, by: "b"))
        #expect(summary.requests["DEU-2026-10"]?.invoiceNumber == "AURA-2026-000002")
        // A done note carries its request's number; an old record without one still counts.
        var done = summary.requests["ESP-2026-10"]!
        done.kind = .done
        summary.add(done)
        summary.add(request("FRA", nil))
        #expect(summary.requests["FRA-2026-10"] != nil)
        #expect(summary.invoiceNumbers.map(\.sequence).sorted() == [1, 2])
    }

    /// The real `aura-billing replay --invoices --state` process, SIGKILLed while it writes
    /// invoices (after its 1st, 6th, 12th and 18th journal) and rerun each time: the final
    /// invoices are byte-identical to an uninterrupted run's and numbered 1...21 without gaps.
    @Test("replay SIGKILLed while closing: invoices byte-identical to an uninterrupted run, numbers contiguous")
    func replayKilledWhileClosing() throws {
        try #require(FileManager.default.isExecutableFile(atPath: ReplayCommandTests.executable.path))
        let dir = NSTemporaryDirectory() + "aura-numbering-kill-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fixtures = ReplayCommandTests.fixtures
        let files = ["audit-2k.deflate.avro", "gateway-2k.deflate.avro"].map {
            fixtures.appendingPathComponent($0).path
        }
        let catalog = ReplayKillTests.root.appendingPathComponent("deploy/tariffs.yaml").path
        func arguments(_ name: String) -> [String] {
            [
                "--invoices", "\(dir)/\(name)/invoices", "--state", "\(dir)/\(name)/state", "--catalog", catalog,
                "--dimensions", fixtures.appendingPathComponent("dims").path,
            ] + files
        }
        let reference = try ReplayKillTests.Run(arguments("reference"), directory: dir, name: "reference")
        reference.process.waitUntilExit()
        #expect(reference.process.terminationStatus == 0, "\(reference.errors)")

        let journals = "\(dir)/killed/state/closes"
        func journalCount() -> Int {
            ((try? FileManager.default.contentsOfDirectory(atPath: journals)) ?? []).filter { $0.hasSuffix(".json") }
                .count
        }
        var kills = 0
        for (index, target) in [1, 6, 12, 18].enumerated() {
            let run = try ReplayKillTests.Run(arguments("killed"), directory: dir, name: "run-\(index)")
            let reached = run.poll { journalCount() >= target }
            if reached && run.process.isRunning {
                kill(run.process.processIdentifier, SIGKILL)
                kills += 1
            }
            run.process.waitUntilExit()
        }
        #expect(kills >= 3, "at least three runs were killed while closing (\(kills))")
        let last = try ReplayKillTests.Run(arguments("killed"), directory: dir, name: "last")
        last.process.waitUntilExit()
        #expect(last.process.terminationStatus == 0, "\(last.errors)")

        // Every file of the interrupted run equals the uninterrupted run's.
        let referenceFiles = try Self.files(under: "\(dir)/reference/invoices")
        let killedFiles = try Self.files(under: "\(dir)/killed/invoices")
        #expect(referenceFiles.keys.sorted() == killedFiles.keys.sorted())
        #expect(referenceFiles.count == 42, "21 workbooks and 21 manifests")
        for (path, bytes) in referenceFiles { #expect(killedFiles[path] == bytes, "\(path) differs") }
        let numbers = try InvoiceNumbering.journalNumbers(stateDir: "\(dir)/killed/state")
        #expect(numbers.map(\.sequence).sorted() == Array(1...21))
        #expect(Set(numbers.map(\.prefix)) == ["AURA"])
    }

    /// Relative path → bytes of every regular file under `root`.
    static func files(under root: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = root + "/" + relative
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        return result
    }
}
