import Foundation
package import KafkaBridge

/// `aura-billing quarantine requeue`: produces the selected parked messages' original key and
/// value back to the topic and partition they came from, waits for the broker's
/// acknowledgement, then marks them requeued (`QuarantineRequeuedMarks`, fsynced).
///
/// The running daemon then consumes them like any message (decode → dedup → count, late and
/// horizon rules included). Exactly once: events are deduplicated per partition by their ids
/// (audit: INTERACTION_ID + AURA_COMPONENT_ID, gateway: MESSAGE_ID), so a message produced twice
/// (a crash between produce and mark, `--again`) is counted once and the copy as a duplicate.
/// Records whose stored value is missing or truncated are refused (the original may still be
/// in Kafka at its topic/partition/offset).
package struct QuarantineRequeue: Sendable {
    /// What one run did.
    package struct Outcome: Sendable, Equatable {
        /// Produced, acknowledged and marked.
        package var requeued: [QuarantineRecordID] = []
        /// Selected but marked requeued before (skipped without `again`).
        package var alreadyRequeued = 0
        /// Selected and not produced: `topic/partition@offset: why`.
        package var refused: [String] = []
        /// Produced but not acknowledged (not marked; run again): `topic/partition@offset: error`.
        package var failed: [String] = []

        /// One line for people.
        package var text: String {
            var out = "requeued \(requeued.count)  already requeued \(alreadyRequeued)"
            out += "  refused \(refused.count)  failed \(failed.count)\n"
            for line in refused { out += "refused \(line)\n" }
            for line in failed { out += "failed \(line)\n" }
            return out
        }
    }

    /// The quarantine's active segment path (the others are found beside it).
    package let path: String
    package var filter = QuarantineFilter()
    /// Requeue records already marked requeued too.
    package var again = false
    /// Records per produce-and-wait round (each round is marked once acknowledged).
    package var batchSize = 1_000

    package init(path: String) { self.path = path }

    /// The records to produce (with what to produce) and the outcome so far (skips, refusals).
    func plan(_ contents: QuarantineReader.Contents) -> ([(QuarantineRecordID, OutgoingRecord)], Outcome) {
        var outcome = Outcome()
        var plan: [(QuarantineRecordID, OutgoingRecord)] = []
        for record in contents.records where filter.matches(record) {
            if record.requeued, !again {
                outcome.alreadyRequeued += 1
                continue
            }
            switch Self.outgoing(record) {
            case .success(let outgoing): plan.append((record.id, outgoing))
            case .failure(let why): outcome.refused.append("\(record.id): \(why.message)")
            }
        }
        return (plan, outcome)
    }

    /// The message to produce for `record`, or why it cannot be.
    static func outgoing(_ record: QuarantineRecord) -> Result<OutgoingRecord, QuarantineLineError> {
        if record.valueTruncated {
            return .failure(
                QuarantineLineError(
                    "value truncated in the quarantine (\(record.valueBytes ?? 0) bytes, sha256 "
                        + "\(record.valueSHA256 ?? "?")); the whole message may still be in Kafka at \(record.id)"))
        }
        guard let base64 = record.valueBase64 else {
            return .failure(QuarantineLineError("no value stored in the quarantine (\(record.location))"))
        }
        guard let value = Data(base64Encoded: base64) else {
            return .failure(QuarantineLineError("value_base64 is not base64 (\(record.location))"))
        }
        var key: [UInt8] = []
        if let keyBase64 = record.keyBase64 {
            guard let decoded = Data(base64Encoded: keyBase64) else {
                return .failure(QuarantineLineError("key_base64 is not base64 (\(record.location))"))
            }
            key = [UInt8](decoded)
        }
        return .success(
            OutgoingRecord(topic: record.topic, partition: record.partition, key: key, value: [UInt8](value)))
    }

    /// Reads the quarantine, produces the selected records with `producer` (blocking: call off
    /// the cooperative pool) and marks each acknowledged round; returns what it did.
    /// - Throws: `DaemonError(.quarantine)` when the marks cannot be written (the records of that
    ///   round were produced: a rerun re-produces them and the daemon's dedup absorbs them).
    package func run(producer: KafkaProducer, nowMs: () -> Int64 = Self.nowMs) throws(DaemonError) -> Outcome {
        let contents = QuarantineReader(path: path).read()
        var (plan, outcome) = self.plan(contents)
        let marksPath = QuarantineSegments(path: path).requeuedPath
        var start = 0
        while start < plan.count {
            let round = plan[start..<min(plan.count, start + max(1, batchSize))]
            start += round.count
            let results = producer.produceAndCollect(round.map(\.1))
            var acknowledged: [QuarantineRecordID] = []
            for ((id, _), result) in zip(round, results) {
                switch result {
                case .success: acknowledged.append(id)
                case .failure(let error): outcome.failed.append("\(id): \(error)")
                }
            }
            try QuarantineRequeuedMarks.append(acknowledged, atMs: nowMs(), path: marksPath)
            outcome.requeued += acknowledged
        }
        return outcome
    }

    /// The wall clock in Unix ms.
    package static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
