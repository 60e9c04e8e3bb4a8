import Aggregation
import Foundation
import Invoicing
import KafkaBridge
import Logging

/// The close topic (one partition; compacted on a real cluster): close requests and close-done
/// notes, read from the beginning.
final class CloseLog: Sendable {
    let topic: String
    let producer: KafkaProducer
    let reader: KafkaPartitionReader
    let logger: Logger

    var partition: PartitionKey { PartitionKey(topic: topic, partition: 0) }

    init(topic: String, producer: KafkaProducer, reader: KafkaPartitionReader, logger: Logger) {
        self.topic = topic
        self.producer = producer
        self.reader = reader
        self.logger = logger
    }

    /// What the log says so far.
    struct Summary: Sendable {
        /// The first request per key (the one that counts).
        var requests: [String: CloseRecord] = [:]
        /// Keys with a done note.
        var done: [String: CloseRecord] = [:]
        /// The highest revision noted done per key (a done note without `revision` is revision 1).
        var doneRevisions: [String: Int] = [:]
        /// The first request of each revision above 1, keyed `<OB>-<YYYY-MM>#r<N>`
        /// (`revisionClaimKey`): its requester announces that revision.
        var revisionRequests: [String: CloseRecord] = [:]
        var records = 0
        /// The key holding each invoice number (of a counted request or a done note).
        var numberHolders: [String: String] = [:]

        /// Keys requested without a done note, sorted: closes recorded but not finished
        /// (`aura_invoices_pending_delivery` when scaled out).
        var pendingKeys: [String] { requests.keys.filter { done[$0] == nil }.sorted() }

        /// The highest revision of `key` noted done; 0 when none is.
        func doneRevision(_ key: String) -> Int { doneRevisions[key] ?? 0 }

        /// `<OB>-<YYYY-MM>#r<N>`: the key of `revisionRequests`.
        static func revisionClaimKey(_ key: String, revision: Int) -> String { "\(key)#r\(revision)" }

        /// Every invoice number held so far (`InvoiceNumbering`).
        var invoiceNumbers: [InvoiceNumber] { numberHolders.keys.compactMap(InvoiceNumber.init) }

        /// Folds `record` in, in log order. A request whose invoice number an earlier counted
        /// record of another key holds (closers racing on different keys) does not count: its
        /// requester asks again with the next number. A request carrying a revision above 1 is
        /// only a claim to announce that revision (`revisionRequests`: the first one counts); a
        /// done note's revision raises `doneRevisions`. Every reader folds the one log the same way.
        mutating func add(_ record: CloseRecord) {
            records += 1
            let number = record.invoiceNumber
            switch record.kind {
            case .request:
                if let revision = record.revision, revision > 1 {
                    let claim = Self.revisionClaimKey(record.key, revision: revision)
                    if revisionRequests[claim] == nil { revisionRequests[claim] = record }
                    // Compaction may leave a claim as its key's only record: it is a copy of the
                    // key's request, so it stands for it (the leader's retry then finishes it).
                    if requests[record.key] == nil, done[record.key] == nil {
                        var request = record
                        request.revision = nil
                        requests[record.key] = request
                        if let number, numberHolders[number] == nil { numberHolders[number] = record.key }
                    }
                    return
                }
                guard requests[record.key] == nil else { return }
                if let number, let holder = numberHolders[number], holder != record.key { return }
                requests[record.key] = record
                if let number { numberHolders[number] = record.key }
            case .done:
                if done[record.key] == nil { done[record.key] = record }
                doneRevisions[record.key] = max(doneRevisions[record.key] ?? 0, record.revision ?? 1)
                if let number, numberHolders[number] == nil { numberHolders[number] = record.key }
            }
        }
    }

    /// Reads the whole log (up to its high watermark now).
    func read() throws -> Summary {
        var summary = Summary()
        let (low, high) = try reader.watermarks(partition)
        try reader.read(partition, from: low, until: high) { record in
            if let parsed = decode(record) { summary.add(parsed) }
        }
        return summary
    }

    /// Decodes a record of the topic; logs and skips what is not a well-formed close record (see
    /// `CloseRecord.problem(kafkaKey:)`): a record every instance would act on is checked first.
    func decode(_ record: ReadRecord) -> CloseRecord? {
        let problem: String
        do {
            let parsed = try JSONDecoder().decode(CloseRecord.self, from: Data(record.value))
            guard let found = parsed.problem(kafkaKey: record.key) else { return parsed }
            problem = found
        } catch {
            problem = "\(error)"
        }
        logger.warning(
            "skipping an unreadable close record",
            metadata: ["topic": "\(topic)", "offset": "\(record.offset)", "error": "\(problem)"])
        return nil
    }

    /// Appends `record` and waits for the broker's acknowledgement.
    func append(_ record: CloseRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let value = Array(try encoder.encode(record))
        _ = try producer.produceAndWait([
            OutgoingRecord(topic: topic, partition: 0, key: Array(record.key.utf8), value: value)
        ])
    }
}
