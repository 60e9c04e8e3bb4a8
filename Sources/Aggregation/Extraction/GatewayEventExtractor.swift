package import Avro

/// Turns decoded `Aura_Gateway_Message` slots into `GatewayEvent`s (see `AuditEventExtractor`).
package struct GatewayEventExtractor: Sendable {
    /// Projected reader fields, in slot order.
    package static let fields = ["MESSAGE_ID", "MESSAGE_TM", "AURA_APP_ID", "COUNTRY_3_ALPHA_CD", "AURA_NLP_IND"]

    /// The parsed reader schema.
    package let reader: AvroSchema

    package init() throws(AggregationError) {
        do {
            reader = try AvroSchema.parse(json: ReaderSchemas.gatewayJSON, source: "Aura_Gateway_Message reader schema")
        } catch {
            throw AggregationError(.decode, "\(error)", source: "Aura_Gateway_Message reader schema")
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
    /// - Throws: `.malformedField` for a bad `MESSAGE_TM`.
    package func event(_ values: borrowing AvroValues) throws(AggregationError) -> GatewayEvent {
        var dates = EventTime.DateCache()
        return try event(values, dates: &dates)
    }

    /// `event(_:)` remembering the last date parsed in `dates` (keep one per stream of events:
    /// a stamp of the same date as the one before skips the date's checks).
    package func event(_ values: borrowing AvroValues, dates: inout EventTime.DateCache) throws(AggregationError)
        -> GatewayEvent
    {
        GatewayEvent(
            messageID: values.bytes(0),
            ob: values.bytes(3),
            app: values.isNull(2) ? nil : values.bytes(2),
            nlp: values.long(4) != 0,
            timeMs: try EventTime.parseMillis(values.bytes(1), field: "MESSAGE_TM", dates: &dates))
    }
}
