import Aggregation
import Avro

/// The frame decoders and event extractors of the two topics, built once per engine.
struct MessageDecoders {
    let audit: AuditEventExtractor
    let gateway: GatewayEventExtractor
    let auditFrames: FrameDecoder
    let gatewayFrames: FrameDecoder

    /// Compiles both reader schemas; writer schemas come from `schemas` by Confluent id.
    init(schemas: any WriterSchemaSource) throws {
        audit = try AuditEventExtractor()
        gateway = try GatewayEventExtractor()
        auditFrames = FrameDecoder(reader: audit.reader, fields: AuditEventExtractor.fields, schemas: schemas)
        gatewayFrames = FrameDecoder(reader: gateway.reader, fields: GatewayEventExtractor.fields, schemas: schemas)
    }
}
