import Avro
#if canImport(Glibc)
import Glibc
#endif

// avro-bench decode FILE [READER.avsc]   decode + count per (OB, first 7 chars of the
//                                         timestamp, component, app); prints the peer checksum
// avro-bench inflate FILE                 read and inflate every block only (the ceiling)
//
// Output: one line of JSON with records, seconds, records_per_s (and groups/checksum for decode).

/// CPU time (user + system) of this process, in seconds.
func cpuTime() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
}

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// A fast 64-bit hash over the group key's parts, eight bytes at a time (the grouping key).
struct KeyHasher {
    var hash: UInt64 = 0x9E37_79B9_7F4A_7C15
    @inline(__always)
    mutating func mix(_ value: UInt64) {
        hash = (hash ^ value) &* 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 32
    }
    /// Mixes in a string: whole words, the last (possibly overlapping) word, and the length; short
    /// strings through two overlapping 4-byte loads or three byte loads, so no byte-by-byte loop.
    /// Every byte of `bytes` is covered, and nothing outside it is read.
    @inline(__always)
    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        if let base = bytes.baseAddress, count > 0 {
            if count >= 8 {
                var index = 0
                while index + 8 < count {
                    mix(base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                    index += 8
                }
                mix(base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
            } else if count >= 4 {
                let low = UInt64(base.loadUnaligned(as: UInt32.self))
                let high = UInt64(base.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
                mix(low | high << 32)
            } else {
                let first = UInt64(base.load(as: UInt8.self))
                let middle = UInt64(base.load(fromByteOffset: count >> 1, as: UInt8.self))
                let last = UInt64(base.load(fromByteOffset: count - 1, as: UInt8.self))
                mix(first | middle << 8 | last << 16)
            }
        }
        mix(UInt64(count) | 0x100)
    }
}

/// Open-addressing counts per group; the key text of each group is kept once, for the FNV-1a
/// checksum of the datagen's peer_check.
struct GroupTable {
    /// One bucket: the key's hash and its count, side by side (one cache line touched per row).
    struct Bucket {
        var hash: UInt64 = 0
        var count = 0
    }
    /// Allocated once, never freed (the process ends after one run); every index is masked.
    let buckets: UnsafeMutableBufferPointer<Bucket> = {
        let buckets = UnsafeMutableBufferPointer<Bucket>.allocate(capacity: 1 << 13)
        buckets.initialize(repeating: Bucket())
        return buckets
    }()
    var keys: [Int: String] = [:]
    var groups = 0

    /// Counts one row; `makeKey` builds the key text the first time a group is seen.
    @inline(__always)
    mutating func add(_ hash: UInt64, _ makeKey: () -> String) {
        let mask = buckets.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while buckets[index].count != 0 && buckets[index].hash != hash { index = (index + 1) & mask }
        if buckets[index].count == 0 {
            // Invariant: the table keeps a free bucket, so probing terminates.
            precondition(groups < mask, "too many groups for the benchmark table")
            buckets[index].hash = hash
            keys[index] = makeKey()
            groups += 1
        }
        buckets[index].count += 1
    }

    var checksum: UInt64 {
        var sum: UInt64 = 0
        for (index, key) in keys {
            var fnv: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in key.utf8 { fnv = (fnv ^ UInt64(byte)) &* 0x100_0000_01b3 }
            sum = sum &+ fnv &* UInt64(buckets[index].count)
        }
        return sum
    }
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: avro-bench decode|inflate FILE [READER.avsc]")
    exit(2)
}
let mode = arguments[1]
let path = arguments[2]
do {
    let file = try AvroContainerReader(path: path)
    let start = now()
    let cpuStart = cpuTime()
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
        let seconds = now() - start
        print(#"{"mode":"decode-only","records":\#(records),"bytes":\#(bytes),"seconds":\#(seconds),"records_per_s":\#(Double(records) / seconds),"cpu_records_per_s":\#(Double(records) / (cpuTime() - cpuStart))}"#)
    } else if mode == "inflate" {
        var bytes = 0
        try file.forEachBlock { count, data, _ in
            records += count
            bytes += data.count
        }
        let seconds = now() - start
        print(#"{"mode":"inflate","records":\#(records),"bytes":\#(bytes),"seconds":\#(seconds),"records_per_s":\#(Double(records) / seconds),"cpu_records_per_s":\#(Double(records) / (cpuTime() - cpuStart))}"#)
    } else {
        let reader = arguments.count > 3 ? try AvroSchema.parse(file: arguments[3]) : file.writerSchema
        let timeField = file.writerSchema.fullName?.hasSuffix("Gateway_Message") == true ? "MESSAGE_TM" : "AURA_TM"
        let decoder = try AvroRecordDecoder(
            writer: file.writerSchema, reader: reader,
            fields: ["COUNTRY_3_ALPHA_CD", timeField, "AURA_COMPONENT_ID", "AURA_APP_ID"])
        var values = AvroValues(count: decoder.fieldCount)
        var table = GroupTable()
        try file.forEachRecord(decoder: decoder, values: &values) { values in
            var hasher = KeyHasher()
            hasher.add(values.bytes(0))
            let time = values.bytes(1)
            hasher.add(UnsafeRawBufferPointer(rebasing: time.prefix(7)))
            if values.isNull(2) { hasher.mix(1) } else { hasher.add(values.bytes(2)) }
            if values.isNull(3) { hasher.mix(1) } else { hasher.add(values.bytes(3)) }
            table.add(hasher.hash) {
                let parts = [
                    values.string(0) ?? "", String(decoding: UnsafeRawBufferPointer(rebasing: time.prefix(7)), as: UTF8.self),
                    values.isNull(2) ? "\\N" : values.string(2) ?? "", values.isNull(3) ? "\\N" : values.string(3) ?? "",
                ]
                return parts.joined(separator: "\t")
            }
            records += 1
        }
        let seconds = now() - start
        let hex = String(table.checksum, radix: 16)
        let padded = String(repeating: "0", count: 16 - hex.count) + hex
        print(#"{"mode":"decode","records":\#(records),"groups":\#(table.groups),"checksum":"\#(padded)","seconds":\#(seconds),"records_per_s":\#(Double(records) / seconds),"cpu_records_per_s":\#(Double(records) / (cpuTime() - cpuStart))}"#)
    }
} catch {
    print("avro-bench: \(error)")
    exit(1)
}
