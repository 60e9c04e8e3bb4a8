import Aggregation
import Foundation
import Invoicing

/// The durable record of a period close, written before the period is marked closed.
///
/// "Closed at" is the instant the close was first recorded: a rerun after a crash (or a second
/// close of the same period) reuses it, so the workbook and manifest come out byte-identical.
struct CloseJournal: Codable, Equatable {
    var ob: String
    var period: String
    var closedAtMs: Int64
    var forced: Bool
    /// Next offset of every partition when the period was frozen (the manifest's inputs).
    var offsets: [InvoiceInputs.OffsetRange]
    /// Set once the invoice files are written and delivered.
    var done: Bool
    /// The invoice number assigned when the journal was written (`InvoiceNumbering`); nil in
    /// journals written before invoice numbering.
    var invoiceNumber: String? = nil

    enum CodingKeys: String, CodingKey {
        case ob, period
        case closedAtMs = "closed_at_ms"
        case forced, offsets, done
        case invoiceNumber = "invoice_number"
    }

    var closedAt: Date { Date(timeIntervalSince1970: Double(closedAtMs) / 1000) }

    static func path(stateDir: String, ob: String, period: String) -> String {
        "\(stateDir)/closes/\(ob)-\(period).json"
    }

    /// The journal of (ob, period), nil when the period was never closed.
    static func load(stateDir: String, ob: String, period: String) throws -> CloseJournal? {
        let path = path(stateDir: stateDir, ob: ob, period: period)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(CloseJournal.self, from: data)
        } catch {
            throw DaemonError(.close, "damaged close journal: \(error)", source: path)
        }
    }

    /// Every journal in the state directory.
    static func all(stateDir: String) throws -> [CloseJournal] {
        try names(stateDir: stateDir).compactMap { try load(stateDir: stateDir, ob: $0.ob, period: $0.period) }
    }

    /// Every journal in the state directory that can be read; `damaged` gets the error of each
    /// one that cannot (the others are not held up by it).
    static func readable(stateDir: String, damaged: (any Error) -> Void) -> [CloseJournal] {
        names(stateDir: stateDir).compactMap { name in
            do { return try load(stateDir: stateDir, ob: name.ob, period: name.period) } catch {
                damaged(error)
                return nil
            }
        }
    }

    /// Deletes the journals that are done and whose (OB, period) `retired` says is past its late
    /// horizon: such a period is never closed again (`ClosePlan` refuses it) and its invoice's
    /// manifest records the same closed-at and offsets, so the journal has no use left and would
    /// only grow the state directory by one file per OB and month. The journal holding the
    /// highest invoice number of its sequence (prefix and year) stays: `InvoiceNumbering` numbers
    /// a new close after the journals present, so without it a quiet month could hand that
    /// sequence's numbers out again (one file per sequence, not per month). Returns how many went.
    @discardableResult
    static func removeRetired(stateDir: String, retired: (_ ob: String, _ period: Period) -> Bool) -> Int {
        let journals = readable(stateDir: stateDir) { _ in }
        var highest: [String: InvoiceNumber] = [:]
        for number in journals.compactMap({ $0.invoiceNumber.flatMap(InvoiceNumber.init) }) {
            let sequence = "\(number.prefix) \(number.year)"
            if highest[sequence].map({ $0 < number }) ?? true { highest[sequence] = number }
        }
        var removed = 0
        for journal in journals where journal.done {
            guard let period = Period(journal.period), retired(journal.ob, period) else { continue }
            if let number = journal.invoiceNumber.flatMap(InvoiceNumber.init),
                highest["\(number.prefix) \(number.year)"] == number
            {
                continue
            }
            let path = path(stateDir: stateDir, ob: journal.ob, period: journal.period)
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed += 1 }
        }
        return removed
    }

    /// The (OB, period) of every journal file in the state directory, sorted.
    private static func names(stateDir: String) -> [(ob: String, period: String)] {
        let dir = "\(stateDir)/closes"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".json") }
            .sorted()
        return files.compactMap { file in
            let stem = file.dropLast(5)
            guard stem.count == 11 else { return nil }  // ESP-2026-10
            return (String(stem.prefix(3)), String(stem.suffix(7)))
        }
    }

    /// Writes the journal durably (temporary file, fsync, rename, fsync of the directory).
    func save(stateDir: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicFile.makeDirectory("\(stateDir)/closes")
        try AtomicFile.write(try encoder.encode(self), to: Self.path(stateDir: stateDir, ob: ob, period: period))
    }
}
