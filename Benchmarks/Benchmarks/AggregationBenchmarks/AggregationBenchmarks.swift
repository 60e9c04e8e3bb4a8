// Aggregation micro-benchmarks (ordo-one/benchmark):
//   swift package --package-path Benchmarks benchmark --target AggregationBenchmarks
//
// Table and ingest benchmarks use the `.kilo` scaling factor (1,000 operations per measured
// iteration; the table reports per operation). The checkpoint benchmark encodes a whole state.
import Aggregation
import Avro
import Benchmark
import Foundation
import SyntheticAggregates

/// The repository root (this file is Benchmarks/Benchmarks/AggregationBenchmarks/AggregationBenchmarks.swift).
private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .path

/// A well-mixed nonzero 128-bit fingerprint for key number `index` (splitmix64).
func fingerprint(_ index: UInt64, salt: UInt64) -> Fingerprint {
    func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    return Fingerprint(lo: mix(index ^ salt) | 1, hi: mix(index &+ 0x5555 ^ salt))
}

/// The audit events of audit-2k.null.avro, decoded once. The record bytes live in a buffer that
/// is never freed (it lives as long as the benchmark process), so the events may keep pointing
/// into it.
func fixtureEvents() throws -> [AuditEvent] {
    let reader = try AvroContainerReader(path: repositoryRoot + "/Tests/AvroTests/Fixtures/audit-2k.null.avro")
    var blocks: [UInt8] = []
    var counts: [Int] = []
    try reader.forEachBlock { count, block, _ in
        blocks.append(contentsOf: block)
        counts.append(count)
    }
    // Never deallocated: the events borrow it for the life of the process.
    let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: blocks.count, alignment: 8)
    blocks.withUnsafeBytes { storage.copyMemory(from: $0) }
    let buffer = UnsafeRawBufferPointer(storage)
    let extractor = try AuditEventExtractor()
    let decoder = try extractor.decoder(writer: reader.writerSchema)
    var values = AvroValues(count: decoder.fieldCount)
    var events: [AuditEvent] = []
    var offset = 0
    for count in counts {
        for _ in 0..<count {
            try decoder.decode(buffer, offset: &offset, into: &values)
            events.append(try extractor.event(values))
        }
    }
    return events
}

let benchmarks: @Sendable () -> Void = {
    let perOperation = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 20_000
    )
    do {
        // MARK: Interning
        let known = StringSet((0..<2_000).map { $0 % 2 == 0 ? "app-\($0)" : "aura-component-\($0)" })
        var internTable = InternTable()
        known.bytes.withUnsafeBytes { buffer in
            for range in known.ranges { _ = internTable.intern(UnsafeRawBufferPointer(rebasing: buffer[range])) }
        }
        let table = internTable
        var lookupHalf = 0
        Benchmark("InternTable lookup (hit, 2,000 strings)", configuration: perOperation) { benchmark in
            var sum: UInt32 = 0
            known.bytes.withUnsafeBytes { buffer in
                for index in benchmark.scaledIterations {
                    let range = known.ranges[lookupHalf * 1_000 + index]
                    sum &+= table.lookup(UnsafeRawBufferPointer(rebasing: buffer[range])) ?? 0
                }
            }
            lookupHalf ^= 1
            blackHole(sum)
        }
        Benchmark("InternTable intern (1,000 new strings into an empty table)", configuration: perOperation) {
            benchmark in
            var fresh = InternTable()
            known.bytes.withUnsafeBytes { buffer in
                for index in benchmark.scaledIterations {
                    _ = fresh.intern(UnsafeRawBufferPointer(rebasing: buffer[known.ranges[index]]))
                }
            }
            blackHole(fresh.count)
        }

        // MARK: Dedup table (1M keys, reserved so inserts never resize while measured)
        let dedup = Box(DedupTable())
        let inserted = Box<UInt64>(0)
        // At most 2,000 × 1,000 inserts after the 1M: the table is sized for 4M keys up front.
        let insertConfiguration = Benchmark.Configuration(
            metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo, maxDuration: .seconds(2),
            maxIterations: 2_000)
        Benchmark(
            "DedupTable insert (new key, table of 1M-3M keys)", configuration: insertConfiguration,
            closure: { benchmark in
                var next = inserted.value
                for _ in benchmark.scaledIterations {
                    blackHole(dedup.value.insert(fingerprint(next, salt: 1), ref: UInt32(truncatingIfNeeded: next)))
                    next += 1
                }
                inserted.value = next
            },
            setup: {
                var fresh = DedupTable(minimumCount: 4_000_000)
                for index in 0..<UInt64(1_000_000) { fresh.insert(fingerprint(index, salt: 1), ref: 1) }
                dedup.value = fresh
                inserted.value = 1_000_000
            },
            teardown: { dedup.value = DedupTable() }
        )
        let lookupTable = Box(DedupTable())
        var lookupNext: UInt64 = 0
        Benchmark(
            "DedupTable lookup (hit, table of 1M keys)", configuration: perOperation,
            closure: { benchmark in
                var found: UInt32 = 0
                for _ in benchmark.scaledIterations {
                    found &+= lookupTable.value.lookup(fingerprint(lookupNext, salt: 2)) ?? 0
                    lookupNext = (lookupNext &+ 7_919) % 1_000_000
                }
                blackHole(found)
            },
            setup: {
                var fresh = DedupTable(minimumCount: 1_000_000)
                for index in 0..<UInt64(1_000_000) { fresh.insert(fingerprint(index, salt: 2), ref: 1) }
                lookupTable.value = fresh
            },
            teardown: { lookupTable.value = DedupTable() }
        )

        // MARK: PartitionState.ingest of decoded audit events (audit-2k.null.avro)
        let events = try fixtureEvents()
        precondition(events.count == 2_000, "the fixture holds 2,000 records")  // fixture invariant
        let zones = try OBTimeZones(OBTimeZones.datagenZones)
        var ingestHalf = 0
        Benchmark("PartitionState.ingest (unique events into a new state)", configuration: perOperation) {
            benchmark in
            var state = PartitionState(zones: zones)
            let source = state.source(PartitionKey(topic: "audit", partition: 0))
            for index in benchmark.scaledIterations {
                try state.ingest(events[ingestHalf * 1_000 + index], source: source)
            }
            ingestHalf ^= 1
            blackHole(state.records)
        }
        var seen = PartitionState(zones: zones)
        let seenSource = seen.source(PartitionKey(topic: "audit", partition: 0))
        for event in events { try seen.ingest(event, source: seenSource) }
        var duplicateHalf = 0
        Benchmark("PartitionState.ingest (duplicate events)", configuration: perOperation) { benchmark in
            for index in benchmark.scaledIterations {
                try seen.ingest(events[duplicateHalf * 1_000 + index], source: seenSource)
            }
            duplicateHalf ^= 1
            blackHole(seen.duplicates)
        }

        // MARK: Checkpoint encode
        let checkpointState = Box<PartitionState?>(nil)
        Benchmark(
            "CheckpointCodec.encode (1M dedup keys, 10k rows)",
            configuration: .init(
                metrics: [.wallClock, .throughput, .peakMemoryResident], maxDuration: .seconds(5), maxIterations: 30),
            closure: { benchmark in
                for _ in benchmark.scaledIterations {
                    if let state = checkpointState.value { blackHole(CheckpointCodec.encode(state).count) }
                }
            },
            setup: { checkpointState.value = try SyntheticAggregates.state(keys: 1_000_000, rows: 10_000) },
            teardown: { checkpointState.value = nil }
        )
    } catch {
        fatalError("AggregationBenchmarks setup failed: \(error)")
    }
}
