import Avro
import Testing

@Suite("Strict decoding of malformed bodies")
struct StrictnessTests {
    static let schema = """
        {"type":"record","name":"R","fields":[
          {"name":"s","type":"string"},{"name":"b","type":"boolean"},
          {"name":"u","type":["null","long"]},{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},
          {"name":"a","type":{"type":"array","items":"long"}}]}
        """

    static func decoders() throws -> [AvroRecordDecoder] {
        let schema = try AvroSchema.parse(json: Self.schema, source: "test")
        return [
            try AvroRecordDecoder(writer: schema, reader: schema, fields: ["s", "b", "u", "e"]),
            try AvroRecordDecoder(writer: schema, reader: schema, fields: []),
        ]
    }

    static func record(string: [UInt8] = Array("ok".utf8), boolean: UInt8 = 1, union: Int64 = 1, enumIndex: Int64 = 1)
        -> [UInt8]
    {
        var encoder = TestEncoder()
        encoder.bytesValue(string)
        encoder.raw([boolean])
        encoder.long(union)
        if union == 1 { encoder.long(5) }
        encoder.long(enumIndex)
        encoder.long(0)
        return encoder.bytes
    }

    @Test("a well-formed record decodes, projected or skipped")
    func wellFormed() throws {
        for decoder in try Self.decoders() {
            let (values, end) = try decodeOne(decoder, Self.record())
            #expect(end == Self.record().count)
            if decoder.fieldCount == 4 {
                #expect(values == ["bytes:ok", "long:1", "long:5", "long:1"])
            }
        }
    }

    @Test(
        "ill-formed UTF-8 is rejected whether the string is projected or skipped",
        arguments: [
            [0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82],
            [0xF4, 0x90, 0x80, 0x80], [0x80],
        ] as [[UInt8]])
    func invalidUTF8(sequence: [UInt8]) throws {
        for decoder in try Self.decoders() {
            let bytes = Self.record(string: Array("abcdefghij".utf8) + sequence)
            let error = avroError { () throws(AvroError) in _ = try decodeOne(decoder, bytes) }
            #expect(error?.code == .invalidUTF8)
            #expect(error?.offset == 11)
        }
    }

    @Test("well-formed multi-byte UTF-8 (2, 3 and 4 bytes) is accepted")
    func validUTF8() throws {
        for decoder in try Self.decoders() {
            let text = "añ€𝄞 — ok"
            let (values, _) = try decodeOne(decoder, Self.record(string: Array(text.utf8)))
            if decoder.fieldCount == 4 { #expect(values.first == "bytes:" + text) }
        }
    }

    @Test("boolean byte 2, union index -1 / 2, enum index 2 / -1 are rejected with their codes and offsets")
    func indexes() throws {
        for decoder in try Self.decoders() {
            let boolean = avroError { () throws(AvroError) in _ = try decodeOne(decoder, Self.record(boolean: 2)) }
            #expect(boolean?.code == .invalidBoolean)
            #expect(boolean?.offset == 3)
            for index: Int64 in [-1, 2] {
                let union = avroError { () throws(AvroError) in _ = try decodeOne(decoder, Self.record(union: index)) }
                #expect(union?.code == .invalidUnionIndex)
                #expect(union?.offset == 4)
            }
            for index: Int64 in [2, -1, 100] {
                let enumeration = avroError { () throws(AvroError) in
                    _ = try decodeOne(decoder, Self.record(enumIndex: index))
                }
                #expect(enumeration?.code == .invalidEnumIndex)
                #expect(enumeration?.offset == 6)
            }
        }
    }

    @Test("varints: 11 bytes and 10 bytes above 64 bits are overlong; a cut varint is truncated")
    func varints() throws {
        for decoder in try Self.decoders() {
            let eleven: [UInt8] = [0xC8] + Array(repeating: 0x80, count: 9) + [0x00] + Self.record()
            #expect(avroError { () throws(AvroError) in _ = try decodeOne(decoder, eleven) }?.code == .overlongVarint)
            let above: [UInt8] = Array(repeating: 0xFF, count: 9) + [0x7F] + Self.record()
            #expect(avroError { () throws(AvroError) in _ = try decodeOne(decoder, above) }?.code == .overlongVarint)
            // Near the end of the buffer the checked path must agree.
            #expect(avroError { () throws(AvroError) in _ = try decodeOne(decoder, [0xFF, 0xFF]) }?.code == .truncated)
            let maxLong: [UInt8] = [0xFE] + Array(repeating: 0xFF, count: 8) + [0x01]
            #expect(avroError { () throws(AvroError) in _ = try decodeOne(decoder, maxLong) }?.code == .truncated)
        }
    }

    @Test("negative and huge lengths; every truncation point of a record fails without crashing")
    func lengths() throws {
        for decoder in try Self.decoders() {
            var negative = TestEncoder()
            negative.long(-3)
            #expect(
                avroError { () throws(AvroError) in _ = try decodeOne(decoder, negative.bytes + Self.record()) }?.code
                    == .invalidLength)
            var huge = TestEncoder()
            huge.long(1 << 62)
            #expect(
                avroError { () throws(AvroError) in _ = try decodeOne(decoder, huge.bytes + Self.record()) }?.code
                    == .truncated)
            let full = Self.record()
            for cut in 0..<full.count {
                let error = avroError { () throws(AvroError) in _ = try decodeOne(decoder, Array(full[0..<cut])) }
                #expect(error?.code == .truncated, "cut at \(cut)")
            }
        }
    }

    @Test("an array block claiming more items than bytes left is rejected before looping")
    func hugeArrayCount() throws {
        for decoder in try Self.decoders() {
            var encoder = TestEncoder()
            encoder.string("ok")
            encoder.boolean(false)
            encoder.long(0)
            encoder.long(0)
            encoder.long(Int64.max)
            let error = avroError { () throws(AvroError) in _ = try decodeOne(decoder, encoder.bytes) }
            #expect(error?.code == .truncated)
        }
    }
}

@Suite("UTF-8 validation agrees with the standard library")
struct UTF8DifferentialTests {
    /// A small deterministic generator (SplitMix64), so failures reproduce.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(
        "20,000 strings of 0–40 bytes (ASCII with multi-byte, invalid and truncated sequences) are accepted exactly when String(validating:) accepts them"
    )
    func differential() throws {
        let schema = try AvroSchema.parse(
            json: #"{"type":"record","name":"R","fields":[{"name":"s","type":"string"}]}"#, source: "t")
        let projected = try AvroRecordDecoder(writer: schema, reader: schema, fields: ["s"])
        let skipped = try AvroRecordDecoder(writer: schema, reader: schema, fields: [])
        var random = SplitMix(state: 42)
        let pieces: [[UInt8]] = [
            [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9D, 0x84, 0x9E], [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80],
            [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80], [0xF0, 0x9D, 0x84], [0xEF, 0xBF, 0xBF],
            [0xF4, 0x8F, 0xBF, 0xBF],
        ]
        var accepted = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...40, using: &random)
            var text = (0..<length).map { _ in UInt8.random(in: 0x20...0x7E, using: &random) }
            if length > 0 && Bool.random(using: &random) {
                let piece = pieces.randomElement(using: &random)!
                let position = Int.random(in: 0...text.count, using: &random)
                text.insert(contentsOf: piece, at: position)
            }
            var encoder = TestEncoder()
            encoder.bytesValue(text)
            let valid = String(validating: text, as: UTF8.self) != nil
            for decoder in [projected, skipped] {
                let error = avroError { () throws(AvroError) in _ = try decodeOne(decoder, encoder.bytes) }
                #expect((error == nil) == valid, "\(text)")
                if let error { #expect(error.code == .invalidUTF8) }
            }
            if valid { accepted += 1 }
        }
        #expect(accepted > 5_000 && accepted < 19_000)
    }
}
