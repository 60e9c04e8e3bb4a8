import Foundation

/// `aura-billing quarantine summary`: counts of the selected records by reason, topic and
/// partition, pending (not requeued) and requeued.
package struct QuarantineSummary: Sendable, Equatable {
    /// Counts of one group.
    package struct Counts: Sendable, Equatable, Encodable {
        package var records = 0
        package var requeued = 0
        package var pending: Int { records - requeued }

        mutating func add(_ record: QuarantineRecord) {
            records += 1
            if record.requeued { requeued += 1 }
        }

        enum CodingKeys: String, CodingKey { case records, requeued, pending }
        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(records, forKey: .records)
            try container.encode(requeued, forKey: .requeued)
            try container.encode(pending, forKey: .pending)
        }
    }

    package var total = Counts()
    package var byReason: [String: Counts] = [:]
    package var byTopic: [String: Counts] = [:]
    /// Keyed `topic/partition`.
    package var byPartition: [String: Counts] = [:]
    /// Copies dropped by the reader's dedup (in every segment, before filtering).
    package var duplicates = 0
    /// Lines skipped (`file:line: problem`).
    package var problems: [String] = []
    package var files: [String] = []
    package var bytes = 0

    /// The summary of the records of `contents` that `filter` selects.
    package init(_ contents: QuarantineReader.Contents, filter: QuarantineFilter) {
        for record in contents.records where filter.matches(record) {
            total.add(record)
            byReason[record.reason, default: Counts()].add(record)
            byTopic[record.topic, default: Counts()].add(record)
            byPartition["\(record.topic)/\(record.partition)", default: Counts()].add(record)
        }
        duplicates = contents.duplicates
        problems = contents.problems
        files = contents.files
        bytes = contents.bytes
    }

    /// Plain text: totals, then one line per reason, topic and partition.
    package var text: String {
        var out = "records \(total.records)  pending \(total.pending)  requeued \(total.requeued)"
        out += "  duplicates dropped \(duplicates)  segments \(files.count)  bytes \(bytes)\n"
        for (title, groups) in [("reason", byReason), ("topic", byTopic), ("partition", byPartition)] {
            for (name, counts) in groups.sorted(by: { $0.key < $1.key }) {
                out += "\(title) \(name)  records \(counts.records)  pending \(counts.pending)"
                out += "  requeued \(counts.requeued)\n"
            }
        }
        for problem in problems { out += "skipped \(problem)\n" }
        return out
    }

    /// One JSON document (sorted keys).
    package var json: String {
        struct Document: Encodable {
            var total: Counts
            var byReason: [String: Counts]
            var byTopic: [String: Counts]
            var byPartition: [String: Counts]
            var duplicatesDropped: Int
            var skipped: [String]
            var segments: [String]
            var bytes: Int
            enum CodingKeys: String, CodingKey {
                case total, skipped, segments, bytes
                case byReason = "by_reason"
                case byTopic = "by_topic"
                case byPartition = "by_partition"
                case duplicatesDropped = "duplicates_dropped"
            }
        }
        let document = Document(
            total: total, byReason: byReason, byTopic: byTopic, byPartition: byPartition,
            duplicatesDropped: duplicates, skipped: problems, segments: files, bytes: bytes)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(document)) ?? Data("{}".utf8), as: UTF8.self) + "\n"
    }
}
