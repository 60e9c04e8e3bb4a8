import Avro
import BenchClock
#if canImport(Glibc)
import Glibc
#endif

// avro-bench decode FILE [READER.avsc]   decode + count per (OB, first 7 chars of the
//                                         timestamp, component, app); prints the peer checksum
// avro-bench decode-only FILE             decode every record, no counting (informational)
// avro-bench inflate FILE                 read and inflate every block only (the ceiling)
//
// Output: one line of JSON with records, seconds, records_per_s (and groups/checksum for decode).


/// A fast 64-bit hash of the group key: each part is hashed on its own, with its own seed
/// (independent dependency chains the CPU overlaps), then the parts are combined.
enum KeyHash {
    @inline(__always)
    static func mix(_ hash: UInt64, _ value: UInt64) -> UInt64 {
        let mixed = (hash ^ value) &* 0xFF51_AFD7_ED55_8CCD
        return mixed ^ (mixed >> 32)
    }

    /// The hash of one string part: whole words, the last (possibly overlapping) word, and the
    /// length; short strings through two overlapping 4-byte loads or three byte loads, so no
    /// byte-by-byte loop. Every byte of `bytes` is covered, and nothing outside it is read.
    @inline(__always)
    static func part(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let count = bytes.count
        var hash = seed ^ (UInt64(count) &* 0x9E37_79B9_7F4A_7C15)
        guard let base = bytes.baseAddress, count > 0 else { return hash }
        let last: UInt64
        if count >= 8 {
            var index = 0
            while index + 8 < count {
                hash = mix(hash, base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                index += 8
            }
            last = base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        } else if count >= 4 {
            let low = UInt64(base.loadUnaligned(as: UInt32.self))
            let high = UInt64(base.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
            last = low | high << 32
        } else {
            let first = UInt64(base.load(as: UInt8.self))
            let middle = UInt64(base.load(fromByteOffset: count >> 1, as: UInt8.self))
            let end = UInt64(base.load(fromByteOffset: count - 1, as: UInt8.self))
            last = first | middle << 8 | end << 16
        }
        return mix(hash, last)
    }

    /// The hash of a null part (distinct from every string's, but for a 2^-64 chance).
    @inline(__always)
    static func null(seed: UInt64) -> UInt64 { ~seed }

    /// Combines the four parts' hashes.
    @inline(__always)
    static func combine(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) -> UInt64 {
        let sum = a ^ (b &* 0x9E37_79B9_7F4A_7C15) ^ (c &* 0xC2B2_AE3D_27D4_EB4F) ^ (d &* 0x1656_67B1_9E37_79F9)
        return mix(sum, sum >> 29)
    }

    static let seeds: (UInt64, UInt64, UInt64, UInt64) = (
        0x243F_6A88_85A3_08D3, 0x1319_8A2E_0370_7344, 0xA409_3822_299F_31D0, 0x082E_FA98_EC4E_6C89
    )
}

/// Counts per group, keyed by the 64-bit key hash. Built for cache locality: linear probing
/// runs over a 16 KiB table of 2-byte group numbers (L1-resident), and each group's hash and
/// count sit in dense arrays in first-seen order, so the frequent groups (seen first) share a few
/// cache lines. The key text of each group is kept once, for the FNV-1a checksum of the datagen's
/// peer_check. Buffers are allocated once and never freed (the process ends after one run).
struct GroupTable {
    static let capacity = 1 << 13
    /// Group number + 1 per probe position; 0 marks an empty position. Every index is masked.
    let probes: UnsafeMutableBufferPointer<UInt16> = {
        let probes = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: GroupTable.capacity)
        probes.initialize(repeating: 0)
        return probes
    }()
    /// Per group number (`0..<groups`): the key hash and the count.
    let hashes = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: GroupTable.capacity)
    let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: GroupTable.capacity)
    var keys: [String] = []
    var groups = 0

    /// Counts one row; `makeKey` builds the key text the first time a group is seen.
    @inline(__always)
    mutating func add(_ hash: UInt64, _ makeKey: () -> String) {
        let mask = Self.capacity - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(probes[index])
            if entry == 0 { break }
            if hashes[entry - 1] == hash {
                counts[entry - 1] += 1
                return
            }
            index = (index + 1) & mask
        }
        // Invariant: the table keeps a free position, so probing terminates; group numbers fit
        // in 16 bits.
        precondition(groups < mask, "too many groups for the benchmark table")
        probes[index] = UInt16(groups + 1)
        hashes[groups] = hash
        counts[groups] = 1
        keys.append(makeKey())
        groups += 1
    }

    var checksum: UInt64 {
        var sum: UInt64 = 0
        for (group, key) in keys.enumerated() {
            var fnv: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in key.utf8 { fnv = (fnv ^ UInt64(byte)) &* 0x100_0000_01b3 }
            sum = sum &+ fnv &* UInt64(counts[group])
        }
        return sum
    }
}

/// One run of `mode` over the file at `path` (a function, so that its state is local rather than
/// the globals of top-level code).
func run(mode: String, path: String, readerPath: String?) throws {
    let file = try AvroContainerReader(path: path)
    let start = BenchClock.now()
    let cpuStart = BenchClock.cpuTime()
    var records = 0
    if mode == "decode-only" {
        // Decoding alone (no grouping): the decoder's own cost over the whole file.
        let timeField = file.writerSchema.fullName?.hasSuffix("Gateway_Message") == true ? "MESSAGE_TM" : "AURA_TM"
        let decoder = try AvroRecordDecoder(
            writer: file.writerSchema, reader: file.writerSchema,
            fields: ["COUNTRY_3_ALPHA_CD", timeField, "AURA_COMPONENT_ID", "AURA_APP_ID"])
        var values = AvroValues(count: decoder.fieldCount)
        var bytes = 0
        try file.forEachRecord(decoder: decoder, values: &values) { values in
            bytes &+= values.bytes(0).count
            records += 1
        }
        let seconds = BenchClock.now() - start
        print(#"{"mode":"decode-only","records":\#(records),"bytes":\#(bytes),"seconds":\#(seconds),"records_per_s":\#(Double(records) / seconds),"cpu_records_per_s":\#(Double(records) / (BenchClock.cpuTime() - cpuStart))}"#)
    } else if mode == "inflate" {
        var bytes = 0
        try file.forEachBlock { count, data, _ in
            records += count
            bytes += data.count
        }
        let seconds = BenchClock.now() - start
        print(#"{"mode":"inflate","records":\#(records),"bytes":\#(bytes),"seconds":\#(seconds),"records_per_s":\#(Double(records) / seconds),"cpu_records_per_s":\#(Double(records) / (BenchClock.cpuTime() - cpuStart))}"#)
    } else {
        let reader = try readerPath.map { path throws in try AvroSchema.parse(file: path) } ?? file.writerSchema
        let timeField = file.writerSchema.fullName?.hasSuffix("Gateway_Message") == true ? "MESSAGE_TM" : "AURA_TM"
        let decoder = try AvroRecordDecoder(
            writer: file.writerSchema, reader: reader,
            fields: ["COUNTRY_3_ALPHA_CD", timeField, "AURA_COMPONENT_ID", "AURA_APP_ID"])
        var values = AvroValues(count: decoder.fieldCount)
        var table = GroupTable()
        try file.forEachRecord(decoder: decoder, values: &values) { values in
            let seeds = KeyHash.seeds
            let time = values.bytes(1)
            let hash = KeyHash.combine(
                KeyHash.part(values.bytes(0), seed: seeds.0),
                KeyHash.part(UnsafeRawBufferPointer(rebasing: time.prefix(7)), seed: seeds.1),
                values.isNull(2) ? KeyHash.null(seed: seeds.2) : KeyHash.part(values.bytes(2), seed: seeds.2),
                values.isNull(3) ? KeyHash.null(seed: seeds.3) : KeyHash.part(values.bytes(3), seed: seeds.3))
            table.add(hash) {
                let parts = [
                    values.string(0) ?? "", String(decoding: UnsafeRawBufferPointer(rebasing: time.prefix(7)), as: UTF8.self),
                    values.isNull(2) ? "\\N" : values.string(2) ?? "", values.isNull(3) ? "\\N" : values.string(3) ?? "",
                ]
                return parts.joined(separator: "\t")
            }
            records += 1
        }
        let seconds = BenchClock.now() - start
        let hex = String(table.checksum, radix: 16)
        let padded = String(repeating: "0", count: 16 - hex.count) + hex
        print(#"{"mode":"decode","records":\#(records),"groups":\#(table.groups),"checksum":"\#(padded)","seconds":\#(seconds),"records_per_s":\#(Double(records) / seconds),"cpu_records_per_s":\#(Double(records) / (BenchClock.cpuTime() - cpuStart))}"#)
    }
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: avro-bench decode|decode-only|inflate FILE [READER.avsc]")
    exit(2)
}
do {
    try run(mode: arguments[1], path: arguments[2], readerPath: arguments.count > 3 ? arguments[3] : nil)
} catch {
    print("avro-bench: \(error)")
    exit(1)
}
