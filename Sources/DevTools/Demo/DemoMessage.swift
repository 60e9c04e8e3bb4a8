import StreamDaemon

/// One message of the demo month, ready to be produced to Kafka.
struct DemoMessage: Sendable {
    /// Which topic the message belongs to.
    enum Topic: Int, Sendable, CaseIterable {
        /// `kafka.topics.audit`: Aura_Audit frames (writer schema id 1), key INTERACTION_ID.
        case audit = 0
        /// `kafka.topics.gateway`: Aura_Gateway_Message frames (writer schema id 3), key MESSAGE_ID.
        case gateway = 1
    }

    /// How a corrupt frame was damaged. Raw values are the kind names of the shared test data
    /// generator's corrupt-frame manifests (`<out>.bad.json`).
    enum Corruption: String, Sendable, CaseIterable {
        /// A strict prefix of a valid frame (at least the 5-byte header).
        case truncatedBody = "truncated_body"
        /// Byte 0 is not the Confluent magic 0.
        case wrongMagic = "wrong_magic"
        /// The first union of the record has a branch index outside [0, 1].
        case invalidUnionIndex = "invalid_union_index"
    }

    var topic: Topic
    /// Kafka key: the INTERACTION_ID / MESSAGE_ID string of the record, UTF-8.
    var key: [UInt8]
    /// Kafka value: Confluent wire format (magic 0, big-endian schema id, Avro binary body).
    var value: [UInt8]
    /// Set for the deliberately damaged frames, which a daemon must quarantine.
    var corruption: Corruption?

    var isCorrupt: Bool { corruption != nil }
}
