import Avro
import Foundation
import Testing

/// `forEachBlockOfRecords` hands out blocks to decode record by record (what replay and the
/// aggregation benchmark use to count one batch per block).
@Suite("Container blocks decoded record by record")
struct AvroBlockTests {
    /// Blocks of 1–60 records, one of them with a non-ASCII (valid UTF-8) byte sequence so that
    /// both decoding paths run.
    static func blocks() -> [[[UInt8]]] {
        var generator = ASCIIFastPathTests.Generator(state: 0x0123_4567_89AB_CDEF)
        return (0..<12).map { index in
            (0..<(1 + generator.next(60))).map { record in
                ASCIIFastPathTests.record(&generator, extra: index == 5 && record == 0 ? Array("ñ".utf8) : [])
            }
        }
    }

    @Test("each block comes with its record count and decodes to the same values as forEachRecord, on both paths")
    func sameRecordsPerBlock() throws {
        let blocks = Self.blocks()
        let path = try ASCIIFastPathTests.container(blocks)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let decoder = try ASCIIFastPathTests.decoder()
        let expected = try blocks.flatMap { try $0.map { try decodeStrings(decoder, $0) } }
        var counts: [Int] = []
        var offsets: [Int] = []
        var records: [[String]] = []
        var values = AvroValues(count: decoder.fieldCount)
        try AvroContainerReader(path: path).forEachBlockOfRecords { block in
            try block.checkCount(for: decoder)
            counts.append(block.count)
            offsets.append(block.fileOffset)
            for _ in 0..<block.count {
                try block.decodeRecord(decoder, into: &values)
                records.append(
                    (0..<decoder.fieldCount).map { slot in
                        switch values.tag(slot) {
                        case .null: "null"
                        case .long: "long:\(values.long(slot))"
                        case .double: "double:\(values.double(slot))"
                        case .bytes: "bytes:" + String(decoding: values.bytes(slot), as: UTF8.self)
                        }
                    })
            }
            #expect(block.offset == block.data.count)
            try block.checkEnd()
        }
        #expect(counts == blocks.map(\.count))
        #expect(offsets == offsets.sorted() && Set(offsets).count == offsets.count)
        #expect(records == expected)
    }

    @Test("a block left partly decoded fails checkEnd with trailingBytes at the read position")
    func partlyDecodedBlock() throws {
        let blocks = Self.blocks().filter { $0.count >= 2 }
        let path = try ASCIIFastPathTests.container(blocks)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let decoder = try ASCIIFastPathTests.decoder()
        var values = AvroValues(count: decoder.fieldCount)
        var failures: [AvroError] = []
        try AvroContainerReader(path: path).forEachBlockOfRecords { block in
            try block.decodeRecord(decoder, into: &values)
            do throws(AvroError) {
                try block.checkEnd()
            } catch {
                failures.append(error)
                #expect(error.offset == block.offset)
            }
        }
        #expect(failures.count == blocks.count)
        #expect(failures.allSatisfy { $0.code == .trailingBytes })
    }

    @Test("a record count the block's bytes cannot hold fails checkCount with corruptBlock")
    func impossibleCount() throws {
        var generator = ASCIIFastPathTests.Generator(state: 7)
        let record = ASCIIFastPathTests.record(&generator)
        // Claims 10,000 records in one record's bytes (every record is at least 10 bytes).
        let bytes = containerFile(
            schema: ASCIIFastPathTests.schema, codec: "null", blocks: [(10_000, record)],
            headerSync: (0..<16).map { UInt8(0xA0 + $0) })
        let path = try temporaryAvroFile(bytes, prefix: "avro-block-count-")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let decoder = try ASCIIFastPathTests.decoder()
        #expect(decoder.minimumRecordSize > 0)
        var caught: AvroError?
        try AvroContainerReader(path: path).forEachBlockOfRecords { block in
            do throws(AvroError) {
                try block.checkCount(for: decoder)
            } catch {
                caught = error
            }
        }
        #expect(caught?.code == .corruptBlock)
    }
}
