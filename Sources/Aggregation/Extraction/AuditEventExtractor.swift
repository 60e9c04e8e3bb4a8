package import Avro

/// Turns decoded `Aura_Audit` slots into `AuditEvent`s.
///
/// Decode with `fields` (slot order) against `ReaderSchemas.auditJSON`; `event(_:)` then reads
/// each slot once (the time is parsed from its bytes, nothing is allocated).
package struct AuditEventExtractor: Sendable {
    /// Projected reader fields, in slot order.
    package static let fields = [
        "INTERACTION_ID", "AURA_TM", "AURA_APP_ID", "COUNTRY_3_ALPHA_CD", "AURA_SERVICE_NAME_CD", "AURA_COMPONENT_ID",
    ]

    /// The parsed reader schema.
    package let reader: AvroSchema

    package init() throws(AggregationError) {
        do {
            reader = try AvroSchema.parse(json: ReaderSchemas.auditJSON, source: "Aura_Audit reader schema")
        } catch {
            throw AggregationError(.decode, "\(error)", source: "Aura_Audit reader schema")
        }
    }

    /// A decoder of records written with `writer` into the slots `event(_:)` reads.
    package func decoder(writer: AvroSchema) throws(AvroError) -> AvroRecordDecoder {
        try AvroRecordDecoder(writer: writer, reader: reader, fields: Self.fields)
    }

    /// A decoder of Confluent frames (Kafka message values) into the slots `event(_:)` reads.
    package func frameDecoder(schemas: any WriterSchemaSource) -> FrameDecoder {
        FrameDecoder(reader: reader, fields: Self.fields, schemas: schemas)
    }

    /// The event in `values`. Its buffers point where `values` points: do not escape it.
    /// - Throws: `.malformedField` for a bad `AURA_TM`.
    package func event(_ values: borrowing AvroValues) throws(AggregationError) -> AuditEvent {
        var dates = EventTime.DateCache()
        return try event(values, dates: &dates)
    }

    /// `event(_:)` remembering the last date parsed in `dates` (keep one per stream of events:
    /// a stamp of the same date as the one before skips the date's checks).
    package func event(_ values: borrowing AvroValues, dates: inout EventTime.DateCache) throws(AggregationError)
        -> AuditEvent
    {
        AuditEvent(
            interactionID: values.bytes(0),
            componentID: values.bytes(5),
            ob: values.bytes(3),
            app: values.isNull(2) ? nil : values.bytes(2),
            service: UInt8(truncatingIfNeeded: values.long(4)),
            timeMs: try EventTime.parseMillis(values.bytes(1), field: "AURA_TM", dates: &dates))
    }
}
