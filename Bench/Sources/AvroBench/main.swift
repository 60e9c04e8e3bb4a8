import Avro
#if canImport(Glibc)
import Glibc
#endif

// avro-bench decode FILE [READER.avsc]   decode + count per (OB, first 7 chars of the
//                                         timestamp, component, app); prints the peer checksum
// avro-bench inflate FILE                 read and inflate every block only (the ceiling)
//
// Output: one line of JSON with records, seconds, records_per_s (and groups/checksum for decode).

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// FNV-1a 64 over the key "OB\tYYYY-MM\tCOMPONENT\tAPP" built from the slots without allocating.
struct KeyHasher {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    }
    mutating func add(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
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
    var records = 0
    if mode == "inflate" {
        var bytes = 0
        try file.forEachBlock { count, data, _ in
            records += count
            bytes += data.count
        }
        let seconds = now() - start
        print(#"{"mode":"inflate","records":\#(records),"bytes":\#(bytes),"seconds":\#(seconds),"records_per_s":\#(Double(records) / seconds)}"#)
    } else {
        let reader = arguments.count > 3 ? try AvroSchema.parse(file: arguments[3]) : file.writerSchema
        let timeField = file.writerSchema.fullName?.hasSuffix("Gateway_Message") == true ? "MESSAGE_TM" : "AURA_TM"
        let decoder = try AvroRecordDecoder(
            writer: file.writerSchema, reader: reader,
            fields: ["COUNTRY_3_ALPHA_CD", timeField, "AURA_COMPONENT_ID", "AURA_APP_ID"])
        var values = AvroValues(count: decoder.fieldCount)
        var groups: [UInt64: Int] = [:]
        let null: [UInt8] = [0x5C, 0x4E]
        try null.withUnsafeBytes { nullBytes in
            try file.forEachRecord(decoder: decoder, values: &values) { values in
                var hasher = KeyHasher()
                hasher.add(values.bytes(0))
                hasher.add(0x09)
                let time = values.bytes(1)
                hasher.add(UnsafeRawBufferPointer(rebasing: time.prefix(7)))
                hasher.add(0x09)
                hasher.add(values.isNull(2) ? nullBytes : values.bytes(2))
                hasher.add(0x09)
                hasher.add(values.isNull(3) ? nullBytes : values.bytes(3))
                groups[hasher.hash, default: 0] += 1
                records += 1
            }
        }
        let seconds = now() - start
        var checksum: UInt64 = 0
        for (hash, count) in groups { checksum = checksum &+ hash &* UInt64(count) }
        let hex = String(checksum, radix: 16)
        let padded = String(repeating: "0", count: 16 - hex.count) + hex
        print(#"{"mode":"decode","records":\#(records),"groups":\#(groups.count),"checksum":"\#(padded)","seconds":\#(seconds),"records_per_s":\#(Double(records) / seconds)}"#)
    }
} catch {
    print("avro-bench: \(error)")
    exit(1)
}
