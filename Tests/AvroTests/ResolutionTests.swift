import Avro
import Testing

@Suite("Schema resolution (writer → reader) per the Avro specification")
struct ResolutionTests {
    static func schema(_ json: String) throws -> AvroSchema {
        try AvroSchema.parse(json: json, source: "test")
    }

    @Test("promotions: int→long, long→double, int→float, float→double, string→bytes, bytes→string")
    func promotions() throws {
        let writer = try Self.schema(
            """
            {"type":"record","name":"R","fields":[
              {"name":"a","type":"int"},{"name":"b","type":"long"},{"name":"c","type":"float"},
              {"name":"d","type":"string"},{"name":"e","type":"bytes"},{"name":"f","type":"int"}]}
            """)
        let reader = try Self.schema(
            """
            {"type":"record","name":"R","fields":[
              {"name":"a","type":"long"},{"name":"b","type":"double"},{"name":"c","type":"double"},
              {"name":"d","type":"bytes"},{"name":"e","type":"string"},{"name":"f","type":"float"}]}
            """)
        let decoder = try AvroRecordDecoder(writer: writer, reader: reader, fields: ["a", "b", "c", "d", "e", "f"])
        var encoder = TestEncoder()
        encoder.long(-123_456)
        encoder.long(1 << 40)
        encoder.float(1.5)
        encoder.string("héllo")
        encoder.bytesValue(Array("wörld".utf8))
        encoder.long(7)
        let result = try decodeStrings(decoder, encoder.bytes)
        #expect(
            result == [
                "long:-123456", "double:\(Double(1 << 40))", "double:1.5", "bytes:héllo", "bytes:wörld", "double:7.0",
            ])
    }

    @Test("bytes promoted to string are validated as UTF-8")
    func bytesToStringValidated() throws {
        let writer = try Self.schema(#"{"type":"record","name":"R","fields":[{"name":"s","type":"bytes"}]}"#)
        let reader = try Self.schema(#"{"type":"record","name":"R","fields":[{"name":"s","type":"string"}]}"#)
        let decoder = try AvroRecordDecoder(writer: writer, reader: reader, fields: ["s"])
        var encoder = TestEncoder()
        encoder.bytesValue([0x61, 0xFF])
        let error = avroError { () throws(AvroError) in _ = try decodeOne(decoder, encoder.bytes) }
        #expect(error?.code == .invalidUTF8)
        #expect(error?.offset == 2)
    }

    @Test("added reader fields take their defaults: long, string, null union, enum, double, boolean")
    func defaults() throws {
        let writer = try Self.schema(#"{"type":"record","name":"R","fields":[{"name":"a","type":"long"}]}"#)
        let reader = try Self.schema(
            """
            {"type":"record","name":"R","fields":[
              {"name":"a","type":"long"},
              {"name":"n","type":"long","default":42},
              {"name":"s","type":"string","default":"hi ✓"},
              {"name":"u","type":["null","string"],"default":null},
              {"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y","Z"]},"default":"Z"},
              {"name":"d","type":"double","default":2.5},
              {"name":"b","type":"boolean","default":true},
              {"name":"arr","type":{"type":"array","items":"int"},"default":[1,2]}]}
            """)
        let decoder = try AvroRecordDecoder(
            writer: writer, reader: reader, fields: ["n", "s", "u", "e", "d", "b", "a", "arr"])
        var encoder = TestEncoder()
        encoder.long(99)
        let result = try decodeStrings(decoder, encoder.bytes)
        // arr's default is given as its binary encoding: count 2, 1, 2 (zig-zag), end 0.
        #expect(
            result == [
                "long:42", "bytes:hi ✓", "null", "long:2", "double:2.5", "long:1", "long:99",
                "bytes:" + String(decoding: [4, 2, 4, 0] as [UInt8], as: UTF8.self),
            ])
    }

    @Test("removed writer fields of every kind are skipped and the record is consumed exactly")
    func removedFieldsSkipped() throws {
        let writer = try Self.schema(
            """
            {"type":"record","name":"R","namespace":"ns","fields":[
              {"name":"arr","type":{"type":"array","items":{"type":"record","name":"Item","fields":[
                  {"name":"x","type":"int"},{"name":"y","type":["null","string"]}]}}},
              {"name":"keep","type":"string"},
              {"name":"m","type":{"type":"map","values":"double"}},
              {"name":"fx","type":{"type":"fixed","name":"F4","size":4}},
              {"name":"en","type":{"type":"enum","name":"E","symbols":["A","B"]}},
              {"name":"fl","type":"float"},
              {"name":"by","type":"bytes"},
              {"name":"bo","type":"boolean"},
              {"name":"again","type":"Item"},
              {"name":"last","type":"long"}]}
            """)
        let reader = try Self.schema(
            """
            {"type":"record","name":"R","namespace":"ns","fields":[
              {"name":"last","type":"long"},{"name":"keep","type":"string"}]}
            """)
        let decoder = try AvroRecordDecoder(writer: writer, reader: reader, fields: ["keep", "last"])
        var encoder = TestEncoder()
        // arr: one block of 2 items, then a negative-count block (1 item, with byte size), then end.
        encoder.long(2)
        encoder.long(1)
        encoder.long(0)
        encoder.long(2)
        encoder.long(1)
        encoder.string("y")
        var item = TestEncoder()
        item.long(3)
        item.long(0)
        encoder.long(-1)
        encoder.long(Int64(item.bytes.count))
        encoder.raw(item.bytes)
        encoder.long(0)
        encoder.string("kept")
        encoder.long(1)
        encoder.string("k")
        encoder.double(1.25)
        encoder.long(0)
        encoder.raw([1, 2, 3, 4])
        encoder.long(1)
        encoder.float(3.5)
        encoder.bytesValue([0xFF, 0x00])
        encoder.boolean(true)
        encoder.long(5)
        encoder.long(1)
        encoder.string("z")
        encoder.long(-77)
        #expect(try decodeStrings(decoder, encoder.bytes) == ["bytes:kept", "long:-77"])
    }

    @Test("reordered fields are matched by name, and projection order is the caller's")
    func reordered() throws {
        let writer = try Self.schema(
            #"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string"},{"name":"c","type":"long"}]}"#
        )
        let reader = try Self.schema(
            #"{"type":"record","name":"R","fields":[{"name":"c","type":"long"},{"name":"a","type":"long"},{"name":"b","type":"string"}]}"#
        )
        let decoder = try AvroRecordDecoder(writer: writer, reader: reader, fields: ["c", "b", "a"])
        var encoder = TestEncoder()
        encoder.long(1)
        encoder.string("two")
        encoder.long(3)
        #expect(try decodeStrings(decoder, encoder.bytes) == ["long:3", "bytes:two", "long:1"])
    }

    @Test("enum symbols map by name; an unknown writer symbol fails only when met, or takes the reader default")
    func enumRemap() throws {
        let writer = try Self.schema(
            #"{"type":"record","name":"R","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B","C","D"]}}]}"#
        )
        let reader = try Self.schema(
            #"{"type":"record","name":"R","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["D","C","A"]}}]}"#
        )
        let decoder = try AvroRecordDecoder(writer: writer, reader: reader, fields: ["e"])
        func encoded(_ index: Int64) -> [UInt8] {
            var encoder = TestEncoder()
            encoder.long(index)
            return encoder.bytes
        }
        #expect(try decodeStrings(decoder, encoded(0)) == ["long:2"])
        #expect(try decodeStrings(decoder, encoded(3)) == ["long:0"])
        let unknown = avroError { () throws(AvroError) in _ = try decodeOne(decoder, encoded(1)) }
        #expect(unknown?.code == .invalidEnumIndex)
        #expect(unknown?.message.contains("B") == true)
        #expect(unknown?.message.contains("field e") == true)
        let outOfRange = avroError { () throws(AvroError) in _ = try decodeOne(decoder, encoded(4)) }
        #expect(outOfRange?.code == .invalidEnumIndex)

        let readerWithDefault = try Self.schema(
            #"{"type":"record","name":"R","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["D","C","A"],"default":"C"}}]}"#
        )
        let lenient = try AvroRecordDecoder(writer: writer, reader: readerWithDefault, fields: ["e"])
        #expect(try decodeStrings(lenient, encoded(1)) == ["long:1"])
    }

    @Test("unions on either side: writer union → reader union, plain → reader union, writer union → plain")
    func unions() throws {
        let writer = try Self.schema(
            """
            {"type":"record","name":"R","fields":[
              {"name":"u","type":["null","int","string"]},
              {"name":"p","type":"int"},
              {"name":"w","type":["null","string"]}]}
            """)
        let reader = try Self.schema(
            """
            {"type":"record","name":"R","fields":[
              {"name":"u","type":["string","null","long"]},
              {"name":"p","type":["null","double"]},
              {"name":"w","type":"string"}]}
            """)
        let decoder = try AvroRecordDecoder(writer: writer, reader: reader, fields: ["u", "p", "w"])
        var encoder = TestEncoder()
        encoder.long(1)
        encoder.long(-5)
        encoder.long(8)
        encoder.long(1)
        encoder.string("s")
        #expect(try decodeStrings(decoder, encoder.bytes) == ["long:-5", "double:8.0", "bytes:s"])

        encoder = TestEncoder()
        encoder.long(0)
        encoder.long(1)
        encoder.long(1)
        encoder.string("t")
        #expect(try decodeStrings(decoder, encoder.bytes) == ["null", "double:1.0", "bytes:t"])

        encoder = TestEncoder()
        encoder.long(2)
        encoder.string("str")
        encoder.long(1)
        encoder.long(0)
        let error = avroError { () throws(AvroError) in _ = try decodeOne(decoder, encoder.bytes) }
        #expect(error?.code == .unresolvedUnionBranch)
        #expect(error?.message.contains("field w") == true)
    }

    @Test("incompatible pairs are rejected at construction with a message naming the field")
    func incompatible() throws {
        let writer = try Self.schema(
            """
            {"type":"record","name":"R","fields":[
              {"name":"a","type":"string"},
              {"name":"inner","type":{"type":"record","name":"I","fields":[{"name":"x","type":"long"}]}}]}
            """)
        let wrongType = try Self.schema(
            #"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#)
        let error1 = avroError { () throws(AvroError) in
            _ = try AvroRecordDecoder(writer: writer, reader: wrongType, fields: ["a"])
        }
        #expect(error1?.code == .incompatibleSchemas)
        #expect(error1?.message.contains("field a") == true)

        // Not projected, still checked: a nested demotion long → int.
        let nested = try Self.schema(
            """
            {"type":"record","name":"R","fields":[
              {"name":"a","type":"string"},
              {"name":"inner","type":{"type":"record","name":"I","fields":[{"name":"x","type":"int"}]}}]}
            """)
        let error2 = avroError { () throws(AvroError) in
            _ = try AvroRecordDecoder(writer: writer, reader: nested, fields: ["a"])
        }
        #expect(error2?.code == .incompatibleSchemas)
        #expect(error2?.message.contains("inner.x") == true)

        let missingDefault = try Self.schema(
            #"{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"added","type":"long"}]}"#)
        let error3 = avroError { () throws(AvroError) in
            _ = try AvroRecordDecoder(writer: writer, reader: missingDefault, fields: ["a"])
        }
        #expect(error3?.code == .incompatibleSchemas)
        #expect(error3?.message.contains("added") == true)

        let badDefault = try Self.schema(
            #"{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"added","type":"long","default":"x"}]}"#
        )
        let error4 = avroError { () throws(AvroError) in
            _ = try AvroRecordDecoder(writer: writer, reader: badDefault, fields: ["added"])
        }
        #expect(error4?.code == .incompatibleSchemas)
        #expect(error4?.message.contains("added") == true)

        let unknownField = avroError { () throws(AvroError) in
            _ = try AvroRecordDecoder(writer: writer, reader: writer, fields: ["nope"])
        }
        #expect(unknownField?.code == .incompatibleSchemas)
        #expect(unknownField?.message.contains("nope") == true)

        let renamed = try Self.schema(#"{"type":"record","name":"Other","fields":[{"name":"a","type":"string"}]}"#)
        let error5 = avroError { () throws(AvroError) in
            _ = try AvroRecordDecoder(writer: writer, reader: renamed, fields: ["a"])
        }
        #expect(error5?.code == .incompatibleSchemas)
    }

    @Test("a projected nested record yields its writer encoding; recursive types decode")
    func nestedAndRecursive() throws {
        let schema = try Self.schema(
            """
            {"type":"record","name":"Node","namespace":"list","fields":[
              {"name":"value","type":"long"},
              {"name":"next","type":["null","Node"]}]}
            """)
        let decoder = try AvroRecordDecoder(writer: schema, reader: schema, fields: ["value", "next"])
        var encoder = TestEncoder()
        encoder.long(1)
        encoder.long(1)
        encoder.long(2)
        encoder.long(1)
        encoder.long(3)
        encoder.long(0)
        let (values, end) = try decodeOne(decoder, encoder.bytes)
        #expect(end == encoder.bytes.count)
        #expect(values == ["long:1", "bytes:" + String(decoding: encoder.bytes[2...], as: UTF8.self)])
    }
}
