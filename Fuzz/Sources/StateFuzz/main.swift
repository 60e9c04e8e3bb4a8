import Aggregation
import Avro
import ChangelogDecoding
import Foundation

/// The decoders' fixed inputs: the test-data generator's OB time zones.
///
/// `nonisolated(unsafe)`: libFuzzer calls the entry point from one thread only.
nonisolated(unsafe) private var zones: OBTimeZones?

/// Runs one input: the first byte picks the target, the rest is the data.
///
/// 0: a checkpoint file as is; 1: checkpoint sections (the next byte is the section count) behind
/// a header and trailer the harness computes (so inputs get past the CRC into the sections);
/// 2: a changelog manifest record value; 3: a changelog state value (u32 length, then the zlib
/// stream) inflated and decoded as a checkpoint. A checkpoint that decodes must merge into an
/// empty state and re-encode to bytes that decode to the same content.
private func run(_ mode: UInt8, _ input: UnsafeRawBufferPointer, zones: OBTimeZones) {
    switch mode % 4 {
    case 0:
        checkpoint(input, zones: zones)
    case 1:
        guard input.count >= 1 else { return }
        let file = framedCheckpoint(sections: UInt32(input[0]), payload: Array(input[1...]))
        file.withUnsafeBytes { checkpoint($0, zones: zones) }
    case 2:
        _ = try? ChangelogManifest.decode(Array(input), source: "fuzz@0")
    default:
        guard input.count >= 4 else { return }
        let length = Int(input.loadUnaligned(as: UInt32.self).littleEndian)
        guard let bytes = try? ChangelogCompression.decompress(Array(input[4...]), length: length, source: "fuzz")
        else { return }
        bytes.withUnsafeBytes { checkpoint($0, zones: zones) }
    }
}

/// Decodes a checkpoint; when it decodes, checks merge and the encode round trip.
private func checkpoint(_ bytes: UnsafeRawBufferPointer, zones: OBTimeZones) {
    guard let state = try? CheckpointCodec.decode(bytes, zones: zones, source: "fuzz.ckpt") else { return }
    var merged = PartitionState(zones: zones)
    _ = try? merged.merge(state)
    let first = CheckpointCodec.encode(state)
    let again: PartitionState
    do {
        again = try first.withUnsafeBytes { try CheckpointCodec.decode($0, zones: zones, source: "re-encoded") }
    } catch {
        fatalError("a decoded checkpoint re-encodes to bytes that do not decode: \(error)")
    }
    guard Canonical(again) == Canonical(state) else { fatalError("a checkpoint does not round-trip") }
}

/// What a state holds, in a form independent of the dedup table's slot layout (which depends on
/// the order keys were inserted in, so a crafted file's order may re-encode in another order).
private struct Canonical: Equatable {
    let counters: [Int64]
    let strings: [String]
    let audit: [AuditRow]
    let gateway: [GatewayRow]
    let stats: [PeriodStatsRow]
    let days: [Int64]
    let dedup: [[UInt64]]
    let closed: [[Int32]]
    let closedThrough: [[Int32]]
    let partitions: [String]

    init(_ s: PartitionState) {
        counters = [s.records, s.duplicates, s.late, s.quarantined]
        strings = (0..<s.strings.count).map { s.strings.string(UInt32($0)) }
        audit = s.auditRows
        gateway = s.gatewayRows
        stats = s.stats
        days = s.dayCounts
        var keys: [[UInt64]] = []
        s.dedup.forEach { fp, ref in keys.append([fp.lo, fp.hi, UInt64(ref)]) }
        dedup = keys.sorted { $0.lexicographicallyPrecedes($1) }
        closed = s.closed.map { [Int32(bitPattern: $0.ob), $0.period] }.sorted { $0.lexicographicallyPrecedes($1) }
        closedThrough = s.closedThrough.map { [Int32(bitPattern: $0.key), $0.value] }.sorted {
            $0.lexicographicallyPrecedes($1)
        }
        partitions = s.partitions.map { "\($0.key.topic)/\($0.key.partition) \($0.watermarkMs) \($0.nextOffset)" }
    }
}

/// `payload` behind a version-2 header declaring `sections`, with a valid CRC and trailer.
private func framedCheckpoint(sections: UInt32, payload: [UInt8]) -> [UInt8] {
    var file = CheckpointCodec.magic
    file += withUnsafeBytes(of: UInt16(2).littleEndian, Array.init)
    file += [0, 0]
    file += withUnsafeBytes(of: sections.littleEndian, Array.init)
    file += withUnsafeBytes(of: UInt64(payload.count).littleEndian, Array.init)
    file += payload
    let crc = file.withUnsafeBytes { CheckpointCodec.crc32(of: $0) }
    file += withUnsafeBytes(of: crc.littleEndian, Array.init)
    return file + CheckpointCodec.trailerMagic
}

/// Writes the seed corpus into `directory`: checkpoints of states built from the Avro fixtures'
/// audit events (a few sizes, with closed periods), in every mode, and their changelog
/// manifests and compressed values as the daemon publishes them.
private func writeSeeds(_ directory: String, zones: OBTimeZones) throws {
    let here = URL(fileURLWithPath: #filePath)
    let root = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let fixture = root.appendingPathComponent("Tests/AvroTests/Fixtures/audit-2k.deflate.avro").path
    let extractor = try AuditEventExtractor()
    let reader = try AvroContainerReader(path: fixture, readAhead: false)
    let decoder = try extractor.decoder(writer: reader.writerSchema)
    var values = AvroValues(count: decoder.fieldCount)
    var states: [PartitionState] = [1, 4, 16, 64].map { _ in PartitionState(zones: zones) }
    let sizes = [1, 4, 16, 64]
    var seen = 0
    try reader.forEachRecord(decoder: decoder, values: &values) { values in
        let event = try extractor.event(values)
        for i in states.indices where seen < sizes[i] {
            let source = states[i].source(PartitionKey(topic: "Aura_Audit", partition: Int32(i)))
            _ = try? states[i].ingest(event, source: source)
            states[i].markConsumed(source: source, offset: Int64(seen))
        }
        seen += 1
    }
    states[2].markClosed(ob: "ESP", period: Period(year: 2026, month: 9))
    states[3].markClosedThrough(ob: "BRA", period: Period(year: 2026, month: 9))
    func put(_ name: String, _ mode: UInt8, _ bytes: [UInt8]) throws {
        try Data([mode] + bytes).write(to: URL(fileURLWithPath: directory).appendingPathComponent(name))
    }
    for (i, state) in states.enumerated() {
        let file = CheckpointCodec.encode(state)
        try put("checkpoint-\(i)", 0, file)
        let payload = Array(file[24..<(file.count - 8)])
        try put("sections-\(i)", 1, [9] + payload)
        let compressed = try ChangelogCompression.compress(file)
        try put(
            "changelog-state-\(i)", 3, withUnsafeBytes(of: UInt32(file.count).littleEndian, Array.init) + compressed)
        let crc = compressed.withUnsafeBytes { CheckpointCodec.crc32(of: $0) }
        let watermark = i % 2 == 0 ? "" : #","watermark_ms":1790000000000"#
        // The manifest as `ChangelogStore.publish` writes it (JSON, sorted keys).
        let manifest =
            #"{"chunks":[{"offset":\#(7 * i),"partition":\#(16 + i)}],"compressed_length":\#(compressed.count),"#
            + #""crc32":\#(crc),"generation":\#(i + 1),"length":\#(file.count),"next_offset":\#(sizes[i]),"#
            + #""partition":\#(i),"topic":"Aura_Audit","version":1\#(watermark)}"#
        try put("manifest-\(i)", 2, Array(manifest.utf8))
    }
}

/// libFuzzer's driver (in the fuzzer runtime linked by `-sanitize=fuzzer`).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

/// libFuzzer entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    // Copy into an exactly-sized allocation so AddressSanitizer catches any read past the input.
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: size - 1, alignment: 8)
    defer { copy.deallocate() }
    if size > 1 { copy.copyMemory(from: UnsafeRawBufferPointer(start: data + 1, count: size - 1)) }
    run(data[0], UnsafeRawBufferPointer(copy), zones: zones!)
    return 0
}

// Top-level code is the program's main: `--write-seeds DIR` writes the seed corpus; otherwise the
// command line goes to the libFuzzer driver. The zone table is built before fuzzing starts.
do {
    zones = try OBTimeZones(OBTimeZones.datagenZones)
} catch {
    fatalError("cannot build the time zones: \(error)")
}
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "--write-seeds" {
    do {
        try writeSeeds(CommandLine.arguments[2], zones: zones!)
    } catch {
        fatalError("cannot write the seeds: \(error)")
    }
    exit(0)
}
var fuzzArgc = CommandLine.argc
var fuzzArgv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&fuzzArgc, &fuzzArgv, fuzzOneInput))
