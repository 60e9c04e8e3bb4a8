import Foundation
import Testing

@testable import Aggregation

/// Bases plus delta logs (`CheckpointStore.encode`, `CheckpointCodec+Delta`): every load equals
/// the live state, whatever happened in between, and a damaged log ends at the record before.
@Suite("Incremental checkpoints")
struct IncrementalCheckpointTests {
    func tempDir() -> String {
        NSTemporaryDirectory() + "aura-inc-\(UUID().uuidString)"
    }

    /// Everything a checkpoint holds, strings resolved (ids may not matter, but here they must
    /// match too: a delta keeps them).
    struct Full: Equatable {
        var snapshot: StateSnapshot
        var strings: [String]
        var closedThrough: [String: Int32]
        var dedupCount: Int
    }

    static func full(_ state: PartitionState) -> Full {
        Full(
            snapshot: state.snapshot(),
            strings: (0..<state.strings.count).map { state.strings.string(UInt32($0)) },
            closedThrough: Dictionary(
                uniqueKeysWithValues: state.closedThrough.map { (state.strings.string($0.key), $0.value) }),
            dedupCount: state.dedup.count)
    }

    static func feed(_ state: inout PartitionState, _ events: ArraySlice<TestEvent>, from offset: Int) {
        for (i, e) in events.enumerated() {
            if (try? state.ingest(e)) != nil {
                state.markConsumed(source: 0, offset: Int64(offset + i))
            } else {
                state.recordQuarantined(source: 0, offset: Int64(offset + i))
            }
        }
    }

    @Test("a base and its deltas load as the live state after every checkpoint; deltas are small")
    func roundTrip() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = CheckpointStore(directory: dir, name: "audit-0", deltaLimitPercent: 1_000)
        var state = MergePropertyTests.fresh()
        let events = MergePropertyTests.events(seed: 11, count: 3_000)
        var offset = 0
        var sizes: [Int] = []
        for chunk in [1_000, 300, 1, 0, 500, 1_199] {
            Self.feed(&state, events[offset..<(offset + chunk)], from: offset)
            offset += chunk
            if chunk == 1 { state.markClosedThrough(ob: "BRA", period: Period(year: 2026, month: 9)) }
            let saved = try store.save(&state)
            sizes.append(saved.bytes)
            let loaded = try store.load(zones: testZones)
            #expect(loaded.discarded == nil)
            #expect(Self.full(loaded.state) == Self.full(state), "after \(offset) events")
            #expect(loaded.state.partitions == state.partitions)
        }
        #expect(store.generations() == [1])
        #expect(try store.load(zones: testZones).deltas == 5)
        // The 300-event delta is far smaller than the base of 1,000; the empty one is tiny.
        #expect(sizes[1] < sizes[0] / 2)
        #expect(sizes[3] < 1_024)
        // The loaded state goes on counting like the live one.
        var loaded = try store.load(zones: testZones).state
        var live = state
        let more = MergePropertyTests.events(seed: 12, count: 800)
        Self.feed(&loaded, more[...], from: offset)
        Self.feed(&live, more[...], from: offset)
        #expect(Self.full(loaded) == Self.full(live))
    }

    @Test(
        "random sequences of ingest, closes, expiry and merges with checkpoints: every load equals the live state",
        arguments: Array(UInt64(1)...UInt64(12)))
    func randomSequences(seed: UInt64) throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var rng = SplitMix64(seed: seed)
        let store = CheckpointStore(
            directory: dir, name: "audit-0", deltaLimitPercent: [5, 50, 400][Int(seed % 3)])
        var state = MergePropertyTests.fresh()
        let events = MergePropertyTests.events(seed: seed, count: 4_000)
        var offset = 0
        var deltas = 0
        var bases = 0
        while offset < events.count {
            let n = min(events.count - offset, Int.random(in: 0..<400, using: &rng))
            Self.feed(&state, events[offset..<(offset + n)], from: offset)
            offset += n
            switch Int.random(in: 0..<10, using: &rng) {
            case 0:
                state.markClosed(
                    ob: MergePropertyTests.obs.randomElement(using: &rng)!, period: Period(year: 2026, month: 10))
            case 1:
                state.markClosedThrough(ob: "GBR", period: Period(year: 2026, month: 9))
            case 2:
                state.expireClosedKeys(retentionMs: 0, horizonMs: .max)
            case 3:
                var other = MergePropertyTests.fresh()
                Self.feed(&other, MergePropertyTests.events(seed: seed &+ 99, count: 50)[...], from: 0)
                try state.merge(other)
            default:
                break
            }
            let epoch = state.layoutEpoch
            let tracked = state.changes.isTracking
            let saved = try store.save(&state)
            if saved.sequence > 0 {
                deltas += 1
                #expect(tracked && epoch == state.changes.epoch, "a delta after an untracked change")
            } else {
                bases += 1
            }
            let loaded = try store.load(zones: testZones)
            #expect(Self.full(loaded.state) == Self.full(state), "seed \(seed) at \(offset)")
            #expect(store.generations().count <= 2)
        }
        #expect(deltas > 0 && bases > 0)
    }

    /// A base and three deltas; returns the store and the full state after each record.
    func threeDeltas(_ dir: String) throws -> (CheckpointStore, [Full]) {
        let store = CheckpointStore(directory: dir, name: "audit-0", deltaLimitPercent: 1_000)
        var state = MergePropertyTests.fresh()
        let events = MergePropertyTests.events(seed: 21, count: 1_600)
        var after: [Full] = []
        // The last record is small (30 events), so the torn-tail test can load at every cut.
        for (k, range) in [0..<400, 400..<800, 800..<1_200, 1_200..<1_230].enumerated() {
            Self.feed(&state, events[range], from: range.lowerBound)
            #expect(try store.save(&state).sequence == UInt64(k))
            after.append(Self.full(state))
        }
        return (store, after)
    }

    @Test("a torn last record, cut at every byte, loads as the state of the record before, exactly")
    func tornTail() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (store, after) = try threeDeltas(dir)
        let logPath = store.deltaPath(generation: 1)
        let log = try #require(FileManager.default.contents(atPath: logPath))
        let lastLength = try log.withUnsafeBytes { buffer in
            var offset = 0
            var last = 0
            while offset < buffer.count {
                last = try CheckpointCodec.deltaRecordLength(buffer, at: offset, source: logPath)
                offset += last
            }
            return last
        }
        let lastStart = log.count - lastLength
        for cut in lastStart..<log.count {
            try log.prefix(cut).write(to: URL(fileURLWithPath: logPath))
            let loaded = try store.load(zones: testZones)
            #expect(loaded.deltas == 2, "cut at \(cut)")
            #expect((loaded.discarded != nil) == (cut > lastStart), "cut at \(cut)")
            // Exact counts and offsets at every cut; the whole state (every key) at every 8th.
            #expect(loaded.state.partitions == after[2].snapshot.partitions, "cut at \(cut)")
            #expect(loaded.state.dedup.count == after[2].dedupCount, "cut at \(cut)")
            #expect(loaded.state.records == after[2].snapshot.records, "cut at \(cut)")
            if (cut - lastStart) % 8 == 0 || cut == log.count - 1 {
                #expect(Self.full(loaded.state) == after[2], "cut at \(cut)")
            }
        }
    }

    @Test("a damaged record (checksum) ends the log there; a record of another generation is not applied")
    func damagedAndForeignRecords() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (store, after) = try threeDeltas(dir)
        let logPath = store.deltaPath(generation: 1)
        let log = try #require(FileManager.default.contents(atPath: logPath))
        let first = try log.withUnsafeBytes { try CheckpointCodec.deltaRecordLength($0, at: 0, source: logPath) }
        // Flip a byte inside the second record: records 2 and 3 are discarded.
        var damaged = log
        damaged[first + 40] ^= 0x5A
        try damaged.write(to: URL(fileURLWithPath: logPath))
        let loaded = try store.load(zones: testZones)
        #expect(loaded.deltas == 1)
        #expect(loaded.discarded?.code == .checksumMismatch)
        #expect(loaded.discarded?.source == logPath)
        #expect(Self.full(loaded.state) == after[1])

        // Records out of order: the second one first.
        let second = try log.withUnsafeBytes { try CheckpointCodec.deltaRecordLength($0, at: first, source: logPath) }
        let reordered = log[first..<(first + second)] + log[0..<first]
        try reordered.write(to: URL(fileURLWithPath: logPath))
        let outOfOrder = try store.load(zones: testZones)
        #expect(outOfOrder.deltas == 0)
        #expect(outOfOrder.discarded?.message.contains("expected number 1") == true)
        #expect(Self.full(outOfOrder.state) == after[0])

        // The log of generation 1 beside base 2 is foreign there.
        try log.write(to: URL(fileURLWithPath: logPath))
        var state = try store.load(zones: testZones).state
        #expect(try store.save(&state).sequence == 0)  // the first checkpoint after a load is a base
        try log.write(to: URL(fileURLWithPath: store.deltaPath(generation: 2)))
        let foreign = try store.load(zones: testZones)
        #expect(foreign.generation == 2 && foreign.deltas == 0)
        #expect(foreign.discarded?.message.contains("of generation 1") == true)
        #expect(Self.full(foreign.state) == after[3])
    }

    @Test("a new base keeps the older generation and its log until it is durable; the next one retires them")
    func baseRollover() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = CheckpointStore(directory: dir, name: "audit-0", deltaLimitPercent: 60)
        var state = MergePropertyTests.fresh()
        let events = MergePropertyTests.events(seed: 31, count: 6_000)
        var offset = 0
        var kinds: [UInt64] = []
        var before: Full?
        while store.generations().count < 2 {
            before = Self.full(state)
            Self.feed(&state, events[offset..<(offset + 300)], from: offset)
            offset += 300
            kinds.append(try store.save(&state).sequence)
        }
        #expect(kinds.first == 0 && kinds.last == 0 && kinds.dropFirst().dropLast().allSatisfy { $0 > 0 })
        // Generation 1 with its log is still there beside the new base.
        let fm = FileManager.default
        #expect(
            fm.fileExists(atPath: store.path(generation: 1)) && fm.fileExists(atPath: store.deltaPath(generation: 1)))
        let older = try store.load(generation: 1, zones: testZones)
        #expect(Self.full(older) == before)

        // A base that cannot be written leaves both generations; the next checkpoint is a base.
        try fm.createDirectory(atPath: dir + "/audit-0.tmp", withIntermediateDirectories: true)
        while true {
            Self.feed(&state, events[offset..<(offset + 300)], from: offset)
            offset += 300
            let encoded = store.encode(&state)
            if encoded.isDelta {
                try store.save(encoded)
                continue
            }
            #expect(throws: AggregationError.self) { try store.save(encoded) }
            break
        }
        #expect(store.generations() == [2, 1])
        try fm.removeItem(atPath: dir + "/audit-0.tmp")
        let retry = try store.save(&state)
        #expect(retry.sequence == 0 && retry.generation == 4)
        #expect(store.generations() == [4, 2])
        #expect(!fm.fileExists(atPath: store.deltaPath(generation: 1)))
        #expect(Self.full(try store.load(zones: testZones).state) == Self.full(state))
    }

    @Test(
        "a layout change (expiry) or a write failure makes the next checkpoint a base; a delta out of turn is refused")
    func forcedBases() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = CheckpointStore(directory: dir, name: "audit-0", deltaLimitPercent: 1_000)
        var state = MergePropertyTests.fresh()
        let events = MergePropertyTests.events(seed: 41, count: 2_000)
        Self.feed(&state, events[0..<500], from: 0)
        #expect(try store.save(&state).sequence == 0)
        Self.feed(&state, events[500..<700], from: 500)
        #expect(try store.save(&state).sequence == 1)
        #expect(state.expireClosedKeys(retentionMs: 0, horizonMs: .max) > 0)
        let afterExpiry = try store.save(&state)
        #expect(afterExpiry.sequence == 0 && afterExpiry.generation == 2)
        #expect(Self.full(try store.load(zones: testZones).state) == Self.full(state))

        // Two deltas encoded, the second written first: refused, and the chain restarts with a base.
        Self.feed(&state, events[700..<800], from: 700)
        let one = store.encode(&state)
        Self.feed(&state, events[800..<900], from: 800)
        let two = store.encode(&state)
        #expect(one.sequence == 1 && two.sequence == 2)
        #expect(throws: AggregationError.self) { try store.save(two) }
        let recovered = try store.save(&state)
        #expect(recovered.sequence == 0)
        #expect(Self.full(try store.load(zones: testZones).state) == Self.full(state))
    }

    @Test("a full checkpoint without a log (versions 1 and 2) loads, and the chain goes on from it")
    func oldFormat() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var state = try CheckpointTests.sampleState()
        let store = CheckpointStore(directory: dir, name: "audit-0")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data(CheckpointCodec.encode(state)).write(to: URL(fileURLWithPath: store.path(generation: 7)))
        let loaded = try store.load(zones: testZones)
        #expect(loaded.generation == 7 && loaded.deltas == 0 && loaded.discarded == nil)
        #expect(Self.full(loaded.state) == Self.full(state))
        var resumed = loaded.state
        #expect(try store.save(&resumed).generation == 8)
        Self.feed(&resumed, MergePropertyTests.events(seed: 3, count: 200)[...], from: 9_000)
        Self.feed(&state, MergePropertyTests.events(seed: 3, count: 200)[...], from: 9_000)
        #expect(try store.save(&resumed).sequence == 1)
        #expect(Self.full(try store.load(zones: testZones).state) == Self.full(state))
    }
}
