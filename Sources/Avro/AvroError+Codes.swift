extension AvroError.Code {
    /// The input ends before the value being read (a frame, a block, a string, a varint).
    public static let truncated = Self("truncated")
    /// A negative string/bytes/array/map length, or one larger than the decoder accepts.
    public static let invalidLength = Self("invalid-length")
    /// A varint longer than 10 bytes, or one whose value needs more than 64 bits.
    public static let overlongVarint = Self("overlong-varint")
    /// A union branch index outside the writer union.
    public static let invalidUnionIndex = Self("invalid-union-index")
    /// An enum index outside the writer's symbols, or a writer symbol the reader cannot map.
    public static let invalidEnumIndex = Self("invalid-enum-index")
    /// A string that is not well-formed UTF-8.
    public static let invalidUTF8 = Self("invalid-utf8")
    /// A boolean byte other than 0 or 1.
    public static let invalidBoolean = Self("invalid-boolean")
    /// A Confluent frame whose first byte is not 0, or a file that is not an Avro container.
    public static let wrongMagic = Self("wrong-magic")
    /// A Confluent frame whose schema id the schema source does not know.
    public static let unknownSchemaID = Self("unknown-schema-id")
    /// Bytes left over after a complete record (frames) or after a block's records.
    public static let trailingBytes = Self("trailing-bytes")
    /// A container block whose count, size or compressed data is invalid.
    public static let corruptBlock = Self("corrupt-block")
    /// A container block not followed by the file's sync marker.
    public static let badSyncMarker = Self("bad-sync-marker")
    /// A container codec other than `null` and `deflate`.
    public static let unsupportedCodec = Self("unsupported-codec")
    /// A schema that is not valid Avro schema JSON.
    public static let schemaParse = Self("schema-parse")
    /// A writer schema the reader schema cannot resolve (the message names the field).
    public static let incompatibleSchemas = Self("incompatible-schemas")
    /// A reader union branch the writer's value cannot be resolved to (at decode time).
    public static let unresolvedUnionBranch = Self("unresolved-union-branch")
    /// The schema registry or a schema file could not be read.
    public static let schemaUnavailable = Self("schema-unavailable")
    /// Transient: the writer schema is not cached yet and is being fetched from the registry in
    /// the background. The message is not bad: its partition pauses and is retried.
    public static let schemaPending = Self("schema-pending")
    /// A file could not be opened or read.
    public static let io = Self("io")
}
