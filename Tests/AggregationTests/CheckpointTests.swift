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
        newer[8] = UInt8(CheckpointCodec.version + 1)
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

    /// Rewrites a current checkpoint as format version 1 wrote it: the dedup section as raw slot
    /// arrays of `state.dedup`'s keys, everything else as is, with a fresh length and checksum.
    static func versionOne(_ bytes: [UInt8], state: PartitionState) -> [UInt8] {
        func u64(_ at: Int) -> Int {
            bytes[at..<(at + 8)].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        }
        func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        var out = Array(bytes[0..<24])
        out[8] = 1
        out[9] = 0
        var at = 24
        let end = bytes.count - 8
        while at < end {
            let tag = Int(bytes[at])
            let length = u64(at + 8)
            if tag == 6 {
                let (keys, refs) = state.dedup.versionOneArrays()
                var data = le(UInt64(refs.count)) + le(UInt64(state.dedup.count))
                keys.withUnsafeBytes { data += $0 }
                refs.withUnsafeBytes { data += $0 }
                while data.count % 8 != 0 { data.append(0) }
                out += Array(bytes[at..<(at + 8)]) + le(UInt64(data.count)) + data
            } else {
                out += bytes[at..<(at + 16 + length)]
            }
            at += 16 + length
        }
        out.replaceSubrange(16..<24, with: le(UInt64(out.count - 24)))
        let crc = out.withUnsafeBytes { CheckpointCodec.crc32(of: $0) }
        return out + le(crc) + Array("END!".utf8)
    }

    @Test("a version-1 checkpoint (raw dedup slots) still loads into the same state")
    func readsVersionOne() throws {
        let state = try Self.sampleState(seed: 21, count: 500)
        let current = CheckpointCodec.encode(state)
        #expect(current[8] == UInt8(CheckpointCodec.version))
        let old = Self.versionOne(current, state: state)
        #expect(old != current)
        #expect(old.count > current.count)  // v1 stores every slot, v2 only the keys
        var loaded = try old.withUnsafeBytes { try CheckpointCodec.decode($0, zones: testZones, source: "v1") }
        #expect(loaded.snapshot() == state.snapshot())
        #expect(loaded.dedup.count == state.dedup.count)
        // It keeps deduplicating: re-sending the input counts nothing new.
        for e in MergePropertyTests.events(seed: 21, count: 500) {
            #expect(try loaded.ingest(e) == .duplicate)
        }
        var damaged = old
        damaged[old.count / 2] ^= 0x10
        #expect(decodeError(damaged)?.code == .checksumMismatch)
    }

    @Test("the dedup section holds 20 bytes per key, not per slot")
    func compactDedup() throws {
        let state = try Self.sampleState(seed: 22, count: 3000)
        #expect(state.dedup.capacity > state.dedup.count + 100)  // many empty slots
        let bytes = CheckpointCodec.encode(state)
        var at = 24
        var dedupLength: Int?
        while at < bytes.count - 8 {
            let length = bytes[(at + 8)..<(at + 16)].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            if bytes[at] == 6 { dedupLength = length }
            at += 16 + length
        }
        let padded = (16 + 20 * state.dedup.count + 7) / 8 * 8
        #expect(dedupLength == padded)
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
