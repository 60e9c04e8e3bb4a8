/// Provenance of an invoice's aggregates: Kafka offset ranges or input files (manifest `inputs`).
public struct InvoiceInputs: Sendable, Hashable, Codable {
    /// Offsets `[first, last]` of one topic-partition consumed into the aggregates.
    public struct OffsetRange: Sendable, Hashable, Codable {
        public var topic: String
        public var partition: Int32
        public var firstOffset: Int64
        public var lastOffset: Int64
        public init(topic: String, partition: Int32, firstOffset: Int64, lastOffset: Int64) {
            self.topic = topic
            self.partition = partition
            self.firstOffset = firstOffset
            self.lastOffset = lastOffset
        }
        enum CodingKeys: String, CodingKey {
            case topic, partition
            case firstOffset = "first_offset"
            case lastOffset = "last_offset"
        }
    }

    /// An input file (replay) with its SHA-256.
    public struct InputFile: Sendable, Hashable, Codable {
        public var path: String
        public var sha256: String
        public init(path: String, sha256: String) {
            self.path = path
            self.sha256 = sha256
        }
    }

    public var offsets: [OffsetRange]
    public var files: [InputFile]

    public init(offsets: [OffsetRange] = [], files: [InputFile] = []) {
        self.offsets = offsets
        self.files = files
    }
}
