import Avro
import Foundation
import Testing

/// Compares every field of every record with the datagen's own stdlib-only Python decoder
/// (`scripts/datagen/aura_datagen.py`, an independent implementation of the Avro binary format).
@Suite("Field-by-field comparison with the datagen's Python decoder")
struct IndependentDecoderTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/datagen")

    /// Runs the Python decoder over an OCF file; returns its records as JSON objects.
    static func pythonRecords(_ path: String) throws -> [[String: Any]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            """
            import sys, json
            sys.path.insert(0, sys.argv[1])
            import aura_datagen as g
            _schema, _codec, recs = g.read_ocf(sys.argv[2])
            json.dump(list(recs), sys.stdout)
            """,
            script.path, path,
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw FixtureError("python decoder failed on \(path)") }
        guard let records = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw FixtureError("python decoder output is not a list of records")
        }
        return records
    }

    @Test(
        "every field of every record equals the Python decoder's",
        arguments: [
            "audit-2k.null.avro", "audit-2k.deflate.avro", "audit-2k.v2.deflate.avro", "gateway-2k.deflate.avro",
        ])
    func compare(file name: String) throws {
        let expected = try Self.pythonRecords(Fixtures.path(name))
        let file = try AvroContainerReader(path: Fixtures.path(name))
        guard case .record(let record) = file.writerSchema.root else {
            Issue.record("writer schema is not a record")
            return
        }
        let fields = record.fields.map(\.name)
        let decoder = try AvroRecordDecoder(writer: file.writerSchema, reader: file.writerSchema, fields: fields)
        var values = AvroValues(count: decoder.fieldCount)
        var index = 0
        var mismatches = 0
        try file.forEachRecord(decoder: decoder, values: &values) { values in
            let row = expected[index]
            for (slot, field) in record.fields.enumerated() {
                let got: String
                switch values.tag(slot) {
                case .null: got = "null"
                case .long:
                    if case .enumeration(let enumeration) = field.type {
                        got = enumeration.symbols[Int(values.long(slot))]
                    } else if case .primitive(.boolean, _) = field.type {
                        got = values.long(slot) == 1 ? "true" : "false"
                    } else {
                        got = String(values.long(slot))
                    }
                case .double: got = String(values.double(slot))
                case .bytes: got = values.string(slot) ?? "?"
                }
                let want: String
                switch row[field.name] {
                case let text as String: want = text
                case let flag as Bool where { if case .primitive(.boolean, _) = field.type { true } else { false } }():
                    want = flag ? "true" : "false"
                case let number as NSNumber: want = number.stringValue
                default: want = "null"
                }
                if got != want {
                    mismatches += 1
                    if mismatches < 10 { Issue.record("\(name) record \(index) \(field.name): \(got) != \(want)") }
                }
            }
            index += 1
        }
        #expect(index == expected.count)
        #expect(index == 2000)
        #expect(mismatches == 0)
    }
}
