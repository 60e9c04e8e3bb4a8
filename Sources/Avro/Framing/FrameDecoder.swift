/// Confluent frames → values: caches one ``AvroRecordDecoder`` per writer schema id. A frame must
/// be consumed exactly (trailing bytes are an error).
///
/// Not thread-safe: use one per consuming thread (decoders are cheap to share through the
/// schema source, which caches schemas).
package final class FrameDecoder {
    private let reader: AvroSchema
    private let fields: [String]
    private let schemas: any WriterSchemaSource
    private var decoders: [Int32: AvroRecordDecoder] = [:]
    /// Ids whose writer schema the reader cannot resolve (or that does not parse): the error is
    /// permanent for that id, so it is kept instead of re-fetching and re-compiling per frame.
    /// Bounded by `maxFailures`: when full it is emptied (an id seen again is then re-resolved once).
    private var failures: [Int32: AvroError] = [:]
    /// The most ids kept in `failures` (random schema ids must not grow memory without bound).
    package static let maxFailures = 4096
    /// The last id's decoder: consecutive frames usually share a schema.
    private var lastID: Int32 = -1
    private var lastDecoder: AvroRecordDecoder?

    package init(reader: AvroSchema, fields: [String], schemas: any WriterSchemaSource) {
        self.reader = reader
        self.fields = fields
        self.schemas = schemas
    }

    /// Number of ids whose resolution failure is remembered (at most `maxFailures`).
    package var failureCount: Int { failures.count }

    /// Number of projected fields (slots).
    package var fieldCount: Int { fields.count }

    /// The decoder for a writer schema id (built and cached on first use).
    package func decoder(schemaID: Int32) throws(AvroError) -> AvroRecordDecoder {
        if schemaID == lastID, let lastDecoder { return lastDecoder }
        let decoder: AvroRecordDecoder
        if let cached = decoders[schemaID] {
            decoder = cached
        } else {
            if let failure = failures[schemaID] { throw failure }
            let writer = try schemas.schema(id: schemaID)
            do {
                decoder = try AvroRecordDecoder(writer: writer, reader: reader, fields: fields)
            } catch {
                if failures.count >= Self.maxFailures { failures.removeAll(keepingCapacity: true) }
                failures[schemaID] = error
                throw error
            }
            decoders[schemaID] = decoder
        }
        lastID = schemaID
        lastDecoder = decoder
        return decoder
    }

    /// Decodes one frame into `values`. Errors carry offsets relative to the frame's start.
    package func decode(_ frame: UnsafeRawBufferPointer, into values: inout AvroValues) throws(AvroError) {
        let (schemaID, bodyOffset) = try ConfluentFrame.split(frame)
        let decoder: AvroRecordDecoder
        do {
            decoder = try self.decoder(schemaID: schemaID)
        } catch {
            var located = error
            if located.offset == nil { located.offset = 1 }  // the schema id's position in the frame
            throw located
        }
        var offset = bodyOffset
        try decoder.decode(frame, offset: &offset, into: &values)
        if offset != frame.count {
            throw AvroError(.trailingBytes, "\(frame.count - offset) bytes after a complete record", offset: offset)
        }
    }
}
