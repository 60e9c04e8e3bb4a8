import Avro
import Foundation
import Testing

@Suite("FrameDecoder over the datagen frames fixtures")
struct FrameDecoderTests {
    static let fields = [
        "COUNTRY_3_ALPHA_CD", "AURA_TM", "AURA_COMPONENT_ID", "AURA_APP_ID", "INTERACTION_ID", "AURA_SERVICE_NAME_CD",
    ]

    @Test("audit-2k.frames (10% v2 writer) decoded with the v1 reader: totals and peer checksum match the truth")
    func auditFrames() throws {
        let registry = try Fixtures.registry("audit-2k.frames.registry.json")
        let decoder = FrameDecoder(reader: try registry.schema(id: 1), fields: Self.fields, schemas: registry)
        var values = AvroValues(count: decoder.fieldCount)
        var peer = PeerChecksum()
        var v2Frames = 0
        for frame in try Fixtures.frames("audit-2k.frames") {
            if frame[4] == 2 { v2Frames += 1 }
            try frame.withUnsafeBytes { buffer in
                try decoder.decode(buffer, into: &values)
            }
            #expect((0...3).contains(values.long(5)))
            peer.add(
                ob: values.string(0) ?? "?", timestamp: values.string(1) ?? "?", component: values.string(2),
                app: values.isNull(3) ? nil : values.string(3))
        }
        let truth = try Fixtures.json("audit-2k.frames.truth.json")
        let check = try #require(truth["peer_check"] as? [String: Any])
        #expect(v2Frames == truth["v2_frames"] as? Int)
        #expect(peer.rows == truth["total_records"] as? Int)
        #expect(peer.groups.count == check["groups"] as? Int)
        #expect(peer.checksum == check["checksum"] as? String)
    }

    /// The error code each corrupt-frame kind of the datagen manifest must produce.
    static let expectedCode: [String: AvroError.Code] = [
        "truncated_body": .truncated,
        "truncated_header": .truncated,
        "wrong_magic": .wrongMagic,
        "unknown_schema_id": .unknownSchemaID,
        "invalid_union_index": .invalidUnionIndex,
        "negative_string_length": .invalidLength,
        "string_length_past_end": .truncated,
        "overlong_varint": .overlongVarint,
        "varint_over_64_bits": .overlongVarint,
        "invalid_utf8": .invalidUTF8,
        "invalid_enum_index": .invalidEnumIndex,
        "invalid_boolean": .invalidBoolean,
        "trailing_bytes": .trailingBytes,
    ]

    static func checkBadFrames(_ name: String, fields: [String]) throws {
        let manifest = try Fixtures.json("\(name).bad.json")
        let entries = try #require(manifest["frames"] as? [[String: Any]])
        let registry = try Fixtures.registry("\(name).registry.json")
        let decoder = FrameDecoder(reader: try registry.schema(id: 1), fields: fields, schemas: registry)
        var values = AvroValues(count: max(decoder.fieldCount, 1))
        let frames = try Fixtures.frames("\(name).bad.frames")
        #expect(frames.count == entries.count)
        #expect(frames.count == 24)
        for (frame, entry) in zip(frames, entries) {
            let kind = try #require(entry["kind"] as? String)
            let expected = try #require(Self.expectedCode[kind], "unmapped kind \(kind)")
            let error = avroError { () throws(AvroError) in
                try withBytes(frame) { (buffer) throws(AvroError) in try decoder.decode(buffer, into: &values) }
            }
            #expect(error?.code == expected, "frame \(entry["index"] ?? "?") \(kind): got \(String(describing: error))")
            if let offset = error?.offset {
                #expect(offset >= 0 && offset <= frame.count)
            } else {
                Issue.record("frame \(kind) error has no offset")
            }
        }
    }

    @Test("every corrupt frame of audit-2k.frames.bad.frames is rejected with the manifest's kind")
    func badFramesProjected() throws {
        try Self.checkBadFrames("audit-2k.frames", fields: Self.fields)
    }

    @Test("every corrupt frame of audit-2k.null.avro.bad.frames is rejected, projecting no field at all")
    func badFramesUnprojected() throws {
        try Self.checkBadFrames("audit-2k.null.avro", fields: [])
    }

    @Test("ConfluentFrame.split reads the big-endian schema id and rejects short or foreign frames")
    func split() throws {
        let frame: [UInt8] = [0, 0x12, 0x34, 0x56, 0x78, 0xAA]
        let (id, offset) = try frame.withUnsafeBytes { try ConfluentFrame.split($0) }
        #expect(id == 0x1234_5678)
        #expect(offset == 5)
        let short = avroError { () throws(AvroError) in
            _ = try withBytes([0, 0, 0]) { (b) throws(AvroError) in try ConfluentFrame.split(b) }
        }
        #expect(short?.code == .truncated)
        let magic = avroError { () throws(AvroError) in
            _ = try withBytes([1, 0, 0, 0, 1]) { (b) throws(AvroError) in try ConfluentFrame.split(b) }
        }
        #expect(magic?.code == .wrongMagic)
        #expect(magic?.offset == 0)
    }
}

@Suite("FrameDecoder schema errors")
struct FrameDecoderSchemaErrorTests {
    @Test("a writer id the reader cannot resolve fails every frame with incompatibleSchemas naming the field")
    func incompatibleWriter() throws {
        let reader = try AvroSchema.parse(
            json:
                #"{"type":"record","name":"Aura_Audit","namespace":"com.telefonica.aura","fields":[{"name":"INTERACTION_ID","type":"long"}]}"#,
            source: "reader")
        let decoder = FrameDecoder(
            reader: reader, fields: ["INTERACTION_ID"], schemas: try Fixtures.registry("audit-2k.frames.registry.json"))
        var values = AvroValues(count: 1)
        for frame in try Fixtures.frames("audit-2k.frames").prefix(3) {
            let error = avroError { () throws(AvroError) in
                try withBytes(frame) { (buffer) throws(AvroError) in try decoder.decode(buffer, into: &values) }
            }
            #expect(error?.code == .incompatibleSchemas)
            #expect(error?.message.contains("INTERACTION_ID") == true)
            #expect(error?.offset == 1)
        }
    }
}
