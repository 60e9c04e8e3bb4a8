// Avro decoding micro-benchmarks (ordo-one/benchmark):
//   swift package --package-path Benchmarks benchmark --target AvroDecoding
//
// Every benchmark uses the `.kilo` scaling factor: one measured iteration decodes 1,000 records
// (or frames), and the table reports time and throughput per record.
import Avro
import Benchmark
import Foundation

/// The repository root (this file is Benchmarks/Benchmarks/AvroDecoding/AvroDecoding.swift).
private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .path

private let fixtures = repositoryRoot + "/Tests/AvroTests/Fixtures/"

/// The Confluent frames of a length-prefixed `.frames` file: one buffer, with each frame's range.
func frames(_ path: String) throws -> (bytes: [UInt8], ranges: [Range<Int>]) {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    var ranges: [Range<Int>] = []
    var position = 0
    while position + 4 <= bytes.count {
        let length = Int(bytes[position]) << 24 | Int(bytes[position + 1]) << 16 | Int(bytes[position + 2]) << 8
            | Int(bytes[position + 3])
        position += 4
        guard position + length <= bytes.count else { break }
        ranges.append(position..<position + length)
        position += length
    }
    return (bytes, ranges)
}

/// Decodes one record per scaled iteration (1,000) of `batch` with `decoder`, from record `first`.
@inline(__always)
func decodeScaled(
    _ benchmark: Benchmark, _ batch: RecordBatch, from first: Int, with decoder: AvroRecordDecoder,
    into values: inout AvroValues
) throws {
    try batch.bytes.withUnsafeBytes { buffer in
        var offset = batch.starts[first]
        for _ in benchmark.scaledIterations {
            try decoder.decode(buffer, offset: &offset, into: &values)
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    // Short runs, so the whole suite stays within a minute or so.
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 100_000
    )
    do {
        // MARK: Varints
        let longs = try AvroSchema.parse(
            json: #"{"type":"record","name":"Longs","fields":["#
                + (0..<16).map { #"{"name":"f\#($0)","type":"long"}"# }.joined(separator: ",") + "]}",
            source: "Longs")
        let longDecoder = try AvroRecordDecoder(writer: longs, reader: longs, fields: (0..<16).map { "f\($0)" })
        let varints = varintBatch()
        Benchmark("Varint decode: record of 16 longs (1-10 byte varints)", configuration: configuration) { benchmark in
            var values = AvroValues(count: longDecoder.fieldCount)
            try decodeScaled(benchmark, varints, from: 0, with: longDecoder, into: &values)
            blackHole(values.long(15))
        }

        // MARK: Strings: UTF-8 validation (projected) versus skip (not projected)
        let stringsSchema = try AvroSchema.parse(
            json: #"{"type":"record","name":"Strings","fields":[{"name":"id","type":"long"},"#
                + (0..<8).map { #"{"name":"s\#($0)","type":"string"}"# }.joined(separator: ",") + "]}",
            source: "Strings")
        let strings = stringBatch()
        let validating = try AvroRecordDecoder(
            writer: stringsSchema, reader: stringsSchema, fields: ["id"] + (0..<8).map { "s\($0)" })
        let skipping = try AvroRecordDecoder(writer: stringsSchema, reader: stringsSchema, fields: ["id"])
        Benchmark("UTF-8 validation: record of 8 projected strings (~230 bytes)", configuration: configuration) {
            benchmark in
            var values = AvroValues(count: validating.fieldCount)
            try decodeScaled(benchmark, strings, from: 0, with: validating, into: &values)
            blackHole(values.bytes(8).count)
        }
        Benchmark("String skip: same records, strings not projected", configuration: configuration) { benchmark in
            var values = AvroValues(count: skipping.fieldCount)
            try decodeScaled(benchmark, strings, from: 0, with: skipping, into: &values)
            blackHole(values.long(0))
        }

        // MARK: Whole records: audit-2k.null.avro loaded into memory once
        let audit = try AvroContainerReader(path: fixtures + "audit-2k.null.avro").writerSchema
        let allFields = [
            "INTERACTION_ID", "AURA_TM", "AURA_APP_ID", "COUNTRY_3_ALPHA_CD", "AURA_SERVICE_NAME_CD", "AURA_COMPONENT_ID",
        ]
        let recordDecoder = try AvroRecordDecoder(writer: audit, reader: audit, fields: allFields)
        let records = try containerRecords(fixtures + "audit-2k.null.avro", decoder: recordDecoder)
        precondition(records.starts.count == 2_000, "the fixture holds 2,000 records")  // fixture invariant
        var recordHalf = 0  // alternates between the fixture's two halves, run to run
        Benchmark("Record decode: Aura_Audit (audit-2k.null.avro), 6 fields projected", configuration: configuration) {
            benchmark in
            var values = AvroValues(count: recordDecoder.fieldCount)
            try decodeScaled(benchmark, records, from: recordHalf * 1_000, with: recordDecoder, into: &values)
            recordHalf ^= 1
            blackHole(values.long(4))
        }

        // MARK: Frames: audit-2k.frames (10% v2 writer schema) through FrameDecoder
        let schemaDirectory = repositoryRoot + "/scripts/datagen/schemas/"
        let registry = try LocalSchemaFiles(paths: [
            1: schemaDirectory + "Aura_Audit.avsc", 2: schemaDirectory + "Aura_Audit.v2.avsc",
        ])
        let frameDecoder = FrameDecoder(reader: try registry.schema(id: 1), fields: allFields, schemas: registry)
        let auditFrames = try frames(fixtures + "audit-2k.frames")
        precondition(auditFrames.ranges.count == 2_000, "the fixture holds 2,000 frames")  // fixture invariant
        var frameHalf = 0  // alternates between the fixture's two halves, run to run
        Benchmark("Frame decode: Confluent frames (audit-2k.frames), v1 reader", configuration: configuration) {
            benchmark in
            var values = AvroValues(count: frameDecoder.fieldCount)
            try auditFrames.bytes.withUnsafeBytes { buffer in
                for index in benchmark.scaledIterations {
                    let range = auditFrames.ranges[frameHalf * 1_000 + index]
                    try frameDecoder.decode(UnsafeRawBufferPointer(rebasing: buffer[range]), into: &values)
                }
            }
            frameHalf ^= 1
            blackHole(values.long(4))
        }
    } catch {
        fatalError("AvroDecoding setup failed: \(error)")
    }
}
