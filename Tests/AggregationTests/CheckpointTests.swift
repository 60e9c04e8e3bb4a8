import Foundation
import Testing
@testable import Aggregation

@Suite("Checkpoint")
struct CheckpointTests {
    static func sampleState(seed: UInt64 = 5, count: Int = 800) throws -> PartitionState {
        var state = MergePropertyTests.fresh()
        _ = state.source(PartitionKey(topic: "gateway-topic-ü", partition: 12))
        for (offset, e) in MergePropertyTests.events(seed: seed, count: count).enumerated() {
            try state.ingest(e, source: offset % 2)
            state.markConsumed(source: offset % 2, offset: Int64(offset))
        }
        state.recordQuarantined(source: 1, offset: 5000)
        return state
    }

    func tempDir() -> String {
        let dir = NSTemporaryDirectory() + "aura-ckpt-\(UUID().uuidString)"
        return dir
    }

    @Test("encode → decode gives an equal state that keeps counting the same")
    func roundTrip() throws {
        let state = try Self.sampleState()
        let bytes = CheckpointCodec.encode(state)
        #expect(bytes.starts(with: Array("AURACKPT".utf8)))
        var loaded = try bytes.withUnsafeBytes { try CheckpointCodec.decode($0, zones: testZones, source: "mem") }
        #expect(loaded.snapshot() == state.snapshot())
        // Continue both with more input (including re-sends of old keys): still equal.
        var continued = state
        for e in MergePropertyTests.events(seed: 5, count: 1200) {
            try continued.ingest(e)
            try loaded.ingest(e)
        }
        #expect(loaded.snapshot() == continued.snapshot())
        // Encoding is deterministic.
        #expect(CheckpointCodec.encode(loaded) == CheckpointCodec.encode(loaded))
    }

    func decodeError(_ bytes: [UInt8]) -> AggregationError? {
        do {
            _ = try bytes.withUnsafeBytes { try CheckpointCodec.decode($0, zones: testZones, source: "x.ckpt") }
            return nil
        } catch let error as AggregationError {
            return error
        } catch {
            return AggregationError(.init("unexpected"), "\(error)")
        }
    }

    @Test("damage is detected: every flipped byte, truncation, empty, newer version, wrong magic")
    func damage() throws {
        let bytes = CheckpointCodec.encode(try Self.sampleState(count: 100))
        var rng = SplitMix64(seed: 8)
        for _ in 0..<300 {
            var damaged = bytes
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            damaged[i] ^= UInt8.random(in: 1...255, using: &rng)
            let error = decodeError(damaged)
            #expect(error != nil, "flip at \(i) not detected")
        }
        for cut in [1, 10, 23, 24, 100, bytes.count / 2, bytes.count - 1] {
            #expect(decodeError(Array(bytes.prefix(cut)))?.code == .truncated, "cut at \(cut)")
        }
        #expect(decodeError([])?.code == .emptyFile)
        var newer = bytes
        newer[8] = 2
        #expect(decodeError(newer)?.code == .newerVersion)
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x40
        #expect(decodeError(flipped)?.code == .checksumMismatch)
        var magic = bytes
        magic[0] = UInt8(ascii: "X")
        #expect(decodeError(magic)?.code == .corrupt)
        #expect(decodeError(bytes + [0])?.code == .corrupt)
    }

    @Test("the store keeps two generations and falls back to the older one when the newest is damaged")
    func storeGenerations() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = CheckpointStore(directory: dir + "/nested", name: "audit-0")
        #expect(throws: AggregationError.self) { try store.load(zones: testZones) }
        let first = try Self.sampleState(seed: 1, count: 200)
        let second = try Self.sampleState(seed: 2, count: 300)
        let third = try Self.sampleState(seed: 3, count: 400)
        #expect(try store.save(first).generation == 1)
        #expect(try store.save(second).generation == 2)
        let saved = try store.save(third)
        #expect(saved.generation == 3)
        #expect(store.generations() == [3, 2])
        #expect(!FileManager.default.fileExists(atPath: store.path(generation: 1)))
        #expect(!FileManager.default.fileExists(atPath: dir + "/nested/audit-0.tmp"))
        #expect(try store.load(zones: testZones).state.snapshot() == third.snapshot())

        // Damage the newest: load falls back to generation 2 and says why.
        var bytes = try #require(FileManager.default.contents(atPath: saved.path))
        bytes[bytes.count / 3] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: saved.path))
        let loaded = try store.load(zones: testZones)
        #expect(loaded.generation == 2)
        #expect(loaded.skipped.map(\.code) == [.checksumMismatch])
        #expect(loaded.state.snapshot() == second.snapshot())

        // Both damaged: refuse to start when offsets exist; start empty otherwise.
        try Data().write(to: URL(fileURLWithPath: store.path(generation: 2)))
        #expect(throws: AggregationError.self) { try store.load(zones: testZones) }
        do {
            _ = try store.loadForStart(zones: testZones, expectingOffsets: true)
            Issue.record("started without a valid checkpoint")
        } catch {
            #expect(error.code == .refuseToStart)
            #expect(error.message.contains("checksum"))
        }
        #expect(try store.loadForStart(zones: testZones, expectingOffsets: false).map(\.generation) == nil)
        // A fresh save after damage continues the numbering.
        #expect(try store.save(first).generation == 4)
        #expect(try store.loadForStart(zones: testZones, expectingOffsets: true)?.generation == 4)
    }

    @Test("no checkpoint at all: missing, and a fresh start without offsets")
    func missing() throws {
        let store = CheckpointStore(directory: tempDir(), name: "gw-1")
        do {
            _ = try store.load(zones: testZones)
            Issue.record("loaded from nothing")
        } catch {
            #expect(error.code == .missing)
        }
        #expect(try store.loadForStart(zones: testZones, expectingOffsets: false).map(\.generation) == nil)
        #expect(throws: AggregationError.self) { try store.loadForStart(zones: testZones, expectingOffsets: true) }
    }

    @Test("a merged state survives a checkpoint and merges on")
    func mergedRoundTrip() throws {
        var a = try Self.sampleState(seed: 11, count: 300)
        let b = try Self.sampleState(seed: 12, count: 300)
        try a.merge(b)
        let loaded = try CheckpointCodec.encode(a).withUnsafeBytes {
            try CheckpointCodec.decode($0, zones: testZones, source: "mem")
        }
        #expect(loaded.snapshot() == a.snapshot())
    }
}
