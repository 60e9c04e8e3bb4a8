import Avro
import Testing

@Suite("AvroSchema parsing")
struct SchemaParsingTests {
    @Test("the Aura schemas parse with their namespace, enum and nullable unions")
    func auraSchemas() throws {
        for id: Int32 in [1, 2, 3] {
            let schema = try Fixtures.schema(id: id)
            #expect(schema.fullName?.hasPrefix("com.telefonica.aura.") == true)
        }
        let audit = try Fixtures.schema(id: 1)
        guard case .record(let record) = audit.root else {
            Issue.record("Aura_Audit is not a record")
            return
        }
        #expect(record.fields.count == 14)
        let service = try #require(record.fields.first { $0.name == "AURA_SERVICE_NAME_CD" })
        guard case .enumeration(let enumeration) = service.type else {
            Issue.record("AURA_SERVICE_NAME_CD is not an enum")
            return
        }
        #expect(enumeration.symbols == ["message", "nlpaas", "ai", "other"])
        #expect(enumeration.name.fullName == "com.telefonica.aura.AuraServiceName")
        let time = try #require(record.fields.first { $0.name == "AURA_TM" })
        #expect(time.type == .primitive(.string, logicalType: AvroLogicalType(name: "datetime")))
        let app = try #require(record.fields.first { $0.name == "AURA_APP_ID" })
        #expect(app.type == .union([.plain(.null), .plain(.string)]))
        #expect(app.defaultValue == .null)
    }

    @Test("namespaces: inherited, explicit, dotted names; references resolve in the enclosing namespace")
    func namespaces() throws {
        let schema = try AvroSchema.parse(
            json: """
                {"type":"record","name":"Outer","namespace":"a.b","fields":[
                  {"name":"e","type":{"type":"enum","name":"E","symbols":["X"]}},
                  {"name":"f","type":{"type":"fixed","name":"c.F","size":2}},
                  {"name":"g","type":{"type":"record","name":"G","namespace":"d","fields":[
                      {"name":"h","type":{"type":"enum","name":"H","symbols":["Y"]}}]}},
                  {"name":"e2","type":"E"},
                  {"name":"f2","type":"c.F"},
                  {"name":"h2","type":"d.H"},
                  {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}}]}
                """, source: "test")
        #expect(schema.namedTypes.keys.sorted() == ["a.b.E", "a.b.Outer", "c.F", "d.G", "d.H"])
        guard case .record(let record) = schema.root else {
            Issue.record("root is not a record")
            return
        }
        #expect(record.fields[3].type.fullName == "a.b.E")
        #expect(record.fields[4].type.fullName == "c.F")
        #expect(record.fields[5].type.fullName == "d.H")
        guard case .primitive(.bytes, let logical?) = record.fields[6].type else {
            Issue.record("decimal annotation lost")
            return
        }
        #expect(logical.name == "decimal")
        #expect(logical.attributes["precision"] == .integer(9))
        #expect(logical.attributes["scale"] == .integer(2))
    }

    @Test("primitive and complex top-level types parse")
    func otherTypes() throws {
        #expect(try AvroSchema.parse(json: #""long""#, source: "t").root == .plain(.long))
        #expect(
            try AvroSchema.parse(json: #"{"type":"array","items":"string"}"#, source: "t").root
                == .array(items: .plain(.string)))
        #expect(
            try AvroSchema.parse(json: #"{"type":"map","values":["null","double"]}"#, source: "t").root
                == .map(values: .union([.plain(.null), .plain(.double)])))
    }

    @Test(
        "invalid schemas are rejected with schemaParse naming the place",
        arguments: [
            (#"{"type":"record","name":"R","fields":[{"name":"a","type":"Nope"}]}"#, "Nope"),
            (#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"int"}]}"#, "R.a"),
            (#"{"type":"enum","name":"E","symbols":["A","A"]}"#, "A"),
            (#"["int","int"]"#, "int"),
            (#"["null",["int"]]"#, "union"),
            (#"{"type":"fixed","name":"F"}"#, "size"),
            (#"{"type":"record","name":"R","fields":[}"#, "JSON"),
            (#"{"type":"record","name":"1R","fields":[]}"#, "1R"),
            (
                #"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"enum","name":"R","symbols":["X"]}}]}"#,
                "twice"
            ),
        ])
    func invalid(json: String, mentions: String) {
        let error = avroError { () throws(AvroError) in _ = try AvroSchema.parse(json: json, source: "bad.avsc") }
        #expect(error?.code == .schemaParse)
        #expect(error?.message.contains(mentions) == true, "\(String(describing: error))")
        #expect(error?.source == "bad.avsc")
    }

    @Test("parse(file:) reads a file and names it in errors")
    func parseFile() throws {
        let missing = avroError { () throws(AvroError) in _ = try AvroSchema.parse(file: "/nonexistent/x.avsc") }
        #expect(missing?.source == "/nonexistent/x.avsc")
    }
}
