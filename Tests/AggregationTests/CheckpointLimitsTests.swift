import Foundation
import Testing

@testable import Aggregation

/// Crafted checkpoints (valid checksum, hostile numbers) fail with an error naming the file;
/// none traps or allocates from the number.
@Suite("Checkpoint limits")
struct CheckpointLimitsTests {
    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    /// `bytes` with `value` written at `offset` into the data of section `tag`, and a fresh checksum.
    static func patch(_ bytes: [UInt8], section tag: Int, at offset: Int, _ value: [UInt8]) -> [UInt8] {
        func u64(_ at: Int) -> Int {
            bytes[at..<(at + 8)].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        }
        var out = Array(bytes[0..<(bytes.count - 8)])
        var at = 24
        while at < out.count {
            if Int(out[at]) == tag {
                out.replaceSubrange((at + 16 + offset)..<(at + 16 + offset + value.count), with: value)
                break
            }
            at += 16 + u64(at + 8)
        }
        #expect(at < out.count, "section \(tag) not found")
        return reseal(out)
    }

    /// Header and payload `body` with a new checksum and trailer.
    static func reseal(_ body: [UInt8]) -> [UInt8] {
        let crc = body.withUnsafeBytes { CheckpointCodec.crc32(of: $0) }
        return body + le(crc) + Array("END!".utf8)
    }

    static func decodeError(_ bytes: [UInt8]) -> AggregationError? {
        do {
            _ = try bytes.withUnsafeBytes { try CheckpointCodec.decode($0, zones: testZones, source: "crafted.ckpt") }
            return nil
        } catch let error as AggregationError {
            return error
        } catch {
            return AggregationError(.init("unexpected"), "\(error)")
        }
    }

    @Test("counts and capacities of 2^63 and more, and UInt64.max lengths, throw naming the file")
    func hugeNumbers() throws {
        let state = try CheckpointTests.sampleState(count: 60)
        let bytes = CheckpointCodec.encode(state)
        let huge: [UInt64] = [1 << 63, UInt64.max, UInt64(Int64.max), 1 << 40]
        var crafted: [[UInt8]] = []
        for n in huge {
            crafted.append(Self.patch(bytes, section: 2, at: 0, Self.le(n)))  // string count
            crafted.append(Self.patch(bytes, section: 3, at: 0, Self.le(n)))  // audit rows
            crafted.append(Self.patch(bytes, section: 5, at: 0, Self.le(n)))  // statistics
            crafted.append(Self.patch(bytes, section: 6, at: 0, Self.le(n)))  // dedup capacity
            crafted.append(Self.patch(bytes, section: 6, at: 8, Self.le(n)))  // dedup count
            crafted.append(Self.patch(bytes, section: 7, at: 0, Self.le(n)))  // closed periods
            crafted.append(Self.patch(bytes, section: 8, at: 0, Self.le(n)))  // partitions
            // A section length past the payload.
            var body = Array(bytes[0..<(bytes.count - 8)])
            body.replaceSubrange(32..<40, with: Self.le(n))
            crafted.append(Self.reseal(body))
            // The header's payload length.
            body = Array(bytes[0..<(bytes.count - 8)])
            body.replaceSubrange(16..<24, with: Self.le(n))
            crafted.append(Self.reseal(body))
        }
        // A version-1 dedup section whose key count is 2^63 and UInt64.max.
        let v1 = CheckpointTests.versionOne(bytes, state: state)
        crafted.append(Self.patch(v1, section: 6, at: 8, Self.le(UInt64(1) << 63)))
        crafted.append(Self.patch(v1, section: 6, at: 8, Self.le(UInt64.max)))
        for file in crafted {
            let error = Self.decodeError(file)
            #expect(error != nil)
            #expect(error?.source == "crafted.ckpt")
            #expect([.corrupt, .truncated].contains(error?.code))
        }
    }

    @Test("negative or implausibly large counters (which later sums could overflow) are refused as corrupt")
    func hostileCounters() throws {
        let bytes = CheckpointCodec.encode(try CheckpointTests.sampleState(count: 60))
        let values: [Int64] = [.max, .min, -1, (1 << 53) + 1]
        for value in values {
            for offset in [0, 8, 16, 24] {
                let error = Self.decodeError(Self.patch(bytes, section: 1, at: offset, Self.le(value)))
                #expect(error?.code == .corrupt)
                #expect(error?.source == "crafted.ckpt")
            }
            let row = Self.decodeError(Self.patch(bytes, section: 3, at: 8, Self.le(value)))  // first audit row's count
            #expect(row?.code == .corrupt)
        }
        // The largest allowed counter loads.
        #expect(Self.decodeError(Self.patch(bytes, section: 1, at: 0, Self.le(Int64(1) << 53))) == nil)
    }

    @Test("a dedup reference whose day bits say day 32 is refused as corrupt (merging it would trap)")
    func dedupDayOutOfRange() throws {
        let state = try CheckpointTests.sampleState(count: 60)
        let bytes = CheckpointCodec.encode(state)
        func u64(_ at: Int) -> Int {
            bytes[at..<(at + 8)].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        }
        var at = 24
        while Int(bytes[at]) != 6 { at += 16 + u64(at + 8) }
        let count = u64(at + 16 + 8)
        let refAt = 16 + 16 * count  // the first reference, inside the section's data
        let ref = bytes[(at + 16 + refAt)..<(at + 16 + refAt + 4)].enumerated().reduce(UInt32(0)) {
            $0 | UInt32($1.element) << (8 * UInt32($1.offset))
        }
        let crafted = Self.patch(bytes, section: 6, at: refAt, Self.le(ref | 31 << 25))
        let error = Self.decodeError(crafted)
        #expect(error?.code == .corrupt)
        #expect(error?.source == "crafted.ckpt")
        // Merging the state it would have loaded must not be reachable: the unpatched one merges.
        var merged = PartitionState(zones: testZones)
        try merged.merge(try bytes.withUnsafeBytes { try CheckpointCodec.decode($0, zones: testZones, source: "ok") })
        #expect(merged.dedup.count == state.dedup.count)
    }
}
