internal import CRdKafka

/// Where to start reading a partition: an absolute offset or the beginning of the log.
///
/// librdkafka's logical offsets (`RD_KAFKA_OFFSET_BEGINNING` is `-2`) stay inside the bridge;
/// callers say `.beginning` or `.at(offset)`.
package struct KafkaOffset: Hashable, Sendable, CustomStringConvertible {
    /// The value librdkafka takes: an absolute offset, or one of its negative logical offsets.
    let rawValue: Int64

    private init(rawValue: Int64) { self.rawValue = rawValue }

    /// The oldest message the broker still holds.
    package static let beginning = KafkaOffset(rawValue: Int64(RD_KAFKA_OFFSET_BEGINNING))

    /// The message at `offset` (0 or more; a negative offset means the beginning).
    package static func at(_ offset: Int64) -> KafkaOffset {
        offset >= 0 ? KafkaOffset(rawValue: offset) : .beginning
    }

    package var description: String { self == .beginning ? "beginning" : "\(rawValue)" }
}
