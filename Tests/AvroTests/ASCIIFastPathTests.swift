import Avro
import Foundation
import Testing

/// The container reader checks each block for bytes ≥ 0x80 and decodes all-ASCII blocks on a
/// fast path (one-byte varints, no per-string UTF-8 validation). These tests compare that path,
/// reached through `forEachRecord`, with the general one, reached through `decode` on the same
/// record bytes: same values for well-formed records, same error code, offset and message for
/// every malformed one.
@Suite("ASCII fast path of container decoding")
struct ASCIIFastPathTests {
    /// Every kind of flat instruction: skipped and projected strings, nullable strings (fused runs
    /// of each), an enum, a long; `d` (a long read as double) and `f` (a fixed) take the general
    /// instructions from inside the fast loop.
    static let schema = """
        {"type":"record","name":"R","fields":[
          {"name":"id","type":"string"},{"name":"x1","type":"string"},{"name":"x2","type":"string"},
          {"name":"tm","type":"string"},
          {"name":"chan","type":["null","string"]},
          {"name":"app","type":["null","string"]},
          {"name":"ob","type":"string"},
          {"name":"svc","type":{"type":"enum","name":"S","symbols":["a","b","c","d"]}},
          {"name":"n","type":"long"},
          {"name":"h1","type":["null","string"]},{"name":"h2","type":["null","string"]},
          {"name":"h3","type":["null","string"]},
          {"name":"skipped","type":"long"},
          {"name":"d","type":"long"},
          {"name":"f","type":{"type":"fixed","name":"F","size":2}},
          {"name":"day","type":"string"}
        ]}
        """
    static let reader = """
        {"type":"record","name":"R","fields":[
          {"name":"tm","type":"string"},{"name":"app","type":["null","string"]},{"name":"ob","type":"string"},
          {"name":"n","type":"long"},{"name":"d","type":"double"},{"name":"f","type":{"type":"fixed","name":"F","size":2}},
          {"name":"svc","type":{"type":"enum","name":"S","symbols":["a","b","c","d"]}}
        ]}
        """

    static func decoder() throws -> AvroRecordDecoder {
        try AvroRecordDecoder(
            writer: AvroSchema.parse(json: schema, source: "writer"),
            reader: AvroSchema.parse(json: reader, source: "reader"),
            fields: ["tm", "app", "ob", "n", "d", "f", "svc"])
    }

    /// A small deterministic generator (xorshift).
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(bound))
        }
        mutating func text(_ maximum: Int) -> String {
            String((0..<next(maximum + 1)).map { _ in Character(Unicode.Scalar(UInt8(0x20 + next(0x5F)))) })
        }
        mutating func optional(_ maximum: Int) -> String? { next(3) == 0 ? nil : text(maximum) }
    }

    /// One record's bytes; `extra` is appended to the skipped `x1` string (to place a non-ASCII
    /// byte in it).
    static func record(_ generator: inout Generator, extra: [UInt8] = []) -> [UInt8] {
        var encoder = TestEncoder()
        encoder.string(generator.text(40))
        encoder.bytesValue(Array(generator.text(10).utf8) + extra)
        encoder.string(generator.text(10))
        encoder.string("2026-10-0\(generator.next(9))T12:00:00.000+01:00")
        for optional in [generator.optional(12), generator.optional(12)] {
            if let optional {
                encoder.long(1)
                encoder.string(optional)
            } else {
                encoder.long(0)
            }
        }
        encoder.string(["ARG", "ESP", "BRA", ""][generator.next(4)])
        encoder.long(Int64(generator.next(4)))
        encoder.long(Int64(generator.next(63)) - 31)
        for _ in 0..<3 {
            if let optional = generator.optional(20) {
                encoder.long(1)
                encoder.string(optional)
            } else {
                encoder.long(0)
            }
        }
        encoder.long(Int64(generator.next(20)))
        encoder.long(Int64(generator.next(63)) - 31)
        encoder.raw([UInt8(0x30 + generator.next(10)), UInt8(0x30 + generator.next(10))])
        encoder.string("2026-10-01")
        return encoder.bytes
    }

    /// Writes a null-codec container of `blocks` (each a list of encoded records) to a temp file.
    static func container(_ blocks: [[[UInt8]]]) throws -> String {
        let bytes = containerFile(
            schema: schema, codec: "null", blocks: blocks.map { (Int64($0.count), $0.flatMap { $0 }) },
            headerSync: (0..<16).map { UInt8(0xA0 + $0) })
        return try temporaryAvroFile(bytes, prefix: "avro-ascii-")
    }

    /// Every record of the container through `forEachRecord`, as slot strings (see decodeOne), or
    /// the error it stopped with.
    static func readAll(_ path: String, _ decoder: AvroRecordDecoder) throws -> (records: [[String]], error: AvroError?)
    {
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try AvroContainerReader(path: path)
        var values = AvroValues(count: decoder.fieldCount)
        var records: [[String]] = []
        do {
            try file.forEachRecord(decoder: decoder, values: &values) { values in
                records.append(
                    (0..<decoder.fieldCount).map { slot in
                        switch values.tag(slot) {
                        case .null: "null"
                        case .long: "long:\(values.long(slot))"
                        case .double: "double:\(values.double(slot))"
                        case .bytes: "bytes:" + String(decoding: values.bytes(slot), as: UTF8.self)
                        }
                    })
            }
            return (records, nil)
        } catch let error as AvroError {
            return (records, error)
        }
    }

    @Test("3,000 all-ASCII records in blocks of 1 to 200 decode to the same values as record by record")
    func sameValues() throws {
        let decoder = try Self.decoder()
        var generator = Generator(state: 0x9E37_79B9_7F4A_7C15)
        var blocks: [[[UInt8]]] = []
        var expected: [[String]] = []
        var total = 0
        while total < 3000 {
            let block = (0..<(1 + generator.next(200))).map { _ in Self.record(&generator) }
            for record in block { expected.append(try decodeStrings(decoder, record)) }
            blocks.append(block)
            total += block.count
        }
        #expect(blocks.allSatisfy { $0.allSatisfy { $0.allSatisfy { $0 < 0x80 } } })
        let (records, error) = try Self.readAll(try Self.container(blocks), decoder)
        #expect(error == nil)
        #expect(records == expected)
        #expect(Set(expected.map { $0[1] }).contains("null"))
    }

    @Test(
        "every one-byte ASCII change and every truncation of a record fails with the general path's code, offset and message"
    )
    func sameErrors() throws {
        let decoder = try Self.decoder()
        var generator = Generator(state: 42)
        let original = Self.record(&generator)
        var variants: [[UInt8]] = (0..<original.count).map { Array(original[0..<$0]) }
        for position in original.indices {
            for replacement: UInt8 in [0x00, 0x01, 0x02, 0x05, 0x06, 0x7F, 0x41] {
                var variant = original
                variant[position] = replacement
                variants.append(variant)
            }
        }
        var failures = 0
        for variant in variants where variant.count >= decoder.minimumRecordSize {
            let general = avroError { () throws(AvroError) in _ = try decodeStrings(decoder, variant) }
            let (records, fast) = try Self.readAll(try Self.container([[variant]]), decoder)
            #expect(fast?.code == general?.code, "\(variant)")
            #expect(fast?.offset == general?.offset, "\(variant)")
            if general?.code != .trailingBytes { #expect(fast?.message == general?.message, "\(variant)") }
            if general == nil {
                #expect(records == [try decodeStrings(decoder, variant)])
            } else {
                failures += 1
            }
        }
        // The changes reach every check: lengths, union and enum indexes, truncation.
        #expect(failures > original.count)
    }

    @Test(
        "a block with one byte ≥ 0x80 is validated string by string: invalid UTF-8 fails, valid multi-byte UTF-8 decodes"
    )
    func nonASCIIBlock() throws {
        let decoder = try Self.decoder()
        var generator = Generator(state: 7)
        let plain = (0..<50).map { _ in Self.record(&generator) }
        let invalid = Self.record(&generator, extra: [0xC3, 0x28])
        let (_, error) = try Self.readAll(try Self.container([plain, plain + [invalid] + plain]), decoder)
        #expect(error?.code == .invalidUTF8)
        let general = avroError { () throws(AvroError) in _ = try decodeStrings(decoder, invalid) }
        #expect(general?.code == .invalidUTF8)
        #expect(error?.offset == general.flatMap { $0.offset }.map { $0 + plain.reduce(0) { $0 + $1.count } })

        let valid = Self.record(&generator, extra: Array("é€😀".utf8))
        let (records, noError) = try Self.readAll(try Self.container([plain + [valid]]), decoder)
        #expect(noError == nil)
        #expect(records.last == (try decodeStrings(decoder, valid)))
        #expect(records.count == 51)
    }
}
