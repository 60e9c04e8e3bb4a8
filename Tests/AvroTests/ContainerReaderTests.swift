import Avro
import Foundation
import Testing

@Suite("AvroContainerReader over the datagen fixtures")
struct ContainerReaderTests {
    static let peerFields = ["COUNTRY_3_ALPHA_CD", "AURA_TM", "AURA_COMPONENT_ID", "AURA_APP_ID"]

    /// Decodes a container with `reader` and aggregates the peer checksum.
    static func peerCheck(path: String, reader: AvroSchema?, timeField: String) throws -> PeerChecksum {
        let file = try AvroContainerReader(path: path)
        let fields = ["COUNTRY_3_ALPHA_CD", timeField, "AURA_COMPONENT_ID", "AURA_APP_ID"]
        let decoder = try AvroRecordDecoder(
            writer: file.writerSchema, reader: reader ?? file.writerSchema, fields: fields)
        var values = AvroValues(count: decoder.fieldCount)
        var peer = PeerChecksum()
        try file.forEachRecord(decoder: decoder, values: &values) { values in
            peer.add(
                ob: values.string(0) ?? "?", timestamp: values.string(1) ?? "?",
                component: values.isNull(2) ? nil : values.string(2), app: values.isNull(3) ? nil : values.string(3))
        }
        return peer
    }

    static func expectMatchesTruth(_ peer: PeerChecksum, truthFile: String) throws {
        let truth = try Fixtures.json(truthFile)
        let check = try #require(truth["peer_check"] as? [String: Any])
        #expect(peer.rows == truth["total_records"] as? Int)
        #expect(peer.rows == check["rows"] as? Int)
        #expect(peer.groups.count == check["groups"] as? Int)
        #expect(peer.checksum == check["checksum"] as? String)
    }

    @Test("audit-2k.null.avro: every record decoded, peer checksum equals the truth file")
    func auditNull() throws {
        let peer = try Self.peerCheck(path: Fixtures.path("audit-2k.null.avro"), reader: nil, timeField: "AURA_TM")
        try Self.expectMatchesTruth(peer, truthFile: "audit-2k.null.avro.truth.json")
    }

    @Test("audit-2k.deflate.avro: every record decoded, peer checksum equals the truth file")
    func auditDeflate() throws {
        let file = try AvroContainerReader(path: Fixtures.path("audit-2k.deflate.avro"))
        #expect(file.codec == .deflate)
        let peer = try Self.peerCheck(path: Fixtures.path("audit-2k.deflate.avro"), reader: nil, timeField: "AURA_TM")
        try Self.expectMatchesTruth(peer, truthFile: "audit-2k.deflate.avro.truth.json")
    }

    @Test("audit-2k.v2.deflate.avro read with the v1 reader schema (writer v2 resolved)")
    func auditV2AsV1() throws {
        let v1 = try Fixtures.schema(id: 1)
        let file = try AvroContainerReader(path: Fixtures.path("audit-2k.v2.deflate.avro"))
        #expect(file.writerSchema.fullName == "com.telefonica.aura.Aura_Audit")
        let peer = try Self.peerCheck(path: Fixtures.path("audit-2k.v2.deflate.avro"), reader: v1, timeField: "AURA_TM")
        try Self.expectMatchesTruth(peer, truthFile: "audit-2k.v2.deflate.avro.truth.json")
    }

    @Test("audit-2k.null.avro read with the v2 reader: AURA_TOKENS_NUM takes its null default")
    func auditV1AsV2() throws {
        let v2 = try Fixtures.schema(id: 2)
        let file = try AvroContainerReader(path: Fixtures.path("audit-2k.null.avro"))
        let decoder = try AvroRecordDecoder(
            writer: file.writerSchema, reader: v2, fields: ["AURA_TOKENS_NUM", "INTERACTION_ID"])
        var values = AvroValues(count: decoder.fieldCount)
        var records = 0
        var nulls = 0
        try file.forEachRecord(decoder: decoder, values: &values) { values in
            records += 1
            if values.isNull(0) && !(values.string(1) ?? "").isEmpty { nulls += 1 }
        }
        #expect(records == 2000)
        #expect(nulls == 2000)
    }

    @Test("gateway-2k.deflate.avro: peer checksum equals the truth file")
    func gateway() throws {
        let peer = try Self.peerCheck(
            path: Fixtures.path("gateway-2k.deflate.avro"), reader: nil, timeField: "MESSAGE_TM")
        try Self.expectMatchesTruth(peer, truthFile: "gateway-2k.deflate.avro.truth.json")
    }

    @Test("header: metadata, codec and block layout of the null file match the truth file")
    func headerAndBlocks() throws {
        let file = try AvroContainerReader(path: Fixtures.path("audit-2k.null.avro"))
        #expect(file.codec == .null)
        #expect(file.metadata["avro.schema"] != nil)
        var blocks = 0
        var records = 0
        var lastOffset = -1
        try file.forEachBlock { count, data, offset in
            blocks += 1
            records += count
            #expect(offset > lastOffset)
            #expect(data.count > 0)
            lastOffset = offset
        }
        let truth = try Fixtures.json("audit-2k.null.avro.truth.json")
        #expect(blocks == truth["blocks"] as? Int)
        #expect(records == 2000)
    }

    @Test("every dimension file decodes to exactly the rows of its JSON twin, field by field")
    func dimensions() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.path("dims"))
            .filter { $0.hasSuffix(".avro") }.sorted()
        #expect(names.count == 9)
        for name in names {
            let file = try AvroContainerReader(path: Fixtures.path("dims/\(name)"))
            let rowsObject = try JSONSerialization.jsonObject(
                with: try Fixtures.data("dims/" + name.replacingOccurrences(of: ".avro", with: ".json")))
            let rows = try #require(rowsObject as? [[String: Any]])
            let fieldNames = try #require(rows.first.map { Array($0.keys).sorted() })
            let decoder = try AvroRecordDecoder(
                writer: file.writerSchema, reader: file.writerSchema, fields: fieldNames)
            var values = AvroValues(count: decoder.fieldCount)
            var index = 0
            try file.forEachRecord(decoder: decoder, values: &values) { values in
                let row = rows[index]
                for (slot, field) in fieldNames.enumerated() {
                    switch row[field] {
                    case let text as String:
                        #expect(values.string(slot) == text, "\(name) row \(index) \(field)")
                    case let flag as Bool:
                        #expect(values.long(slot) == (flag ? 1 : 0), "\(name) row \(index) \(field)")
                    case let number as NSNumber:
                        #expect(values.long(slot) == number.int64Value, "\(name) row \(index) \(field)")
                    case .none, is NSNull:
                        #expect(values.isNull(slot), "\(name) row \(index) \(field)")
                    default:
                        Issue.record("unexpected JSON value in \(name) \(field)")
                    }
                }
                index += 1
            }
            #expect(index == rows.count, "\(name)")
        }
    }
}

@Suite("AvroContainerReader read-ahead")
struct ContainerReadAheadTests {
    /// (records, byte count, FNV of the bytes, file offset) of every block.
    static func blocks(_ name: String, readAhead: Bool) throws -> [[UInt64]] {
        let file = try AvroContainerReader(path: Fixtures.path(name), readAhead: readAhead)
        var out: [[UInt64]] = []
        try file.forEachBlock { count, data, offset in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            out.append([UInt64(count), UInt64(data.count), hash, UInt64(offset)])
        }
        return out
    }

    @Test(
        "blocks read ahead on a second thread are identical to blocks read sequentially",
        arguments: [
            "audit-2k.null.avro", "audit-2k.deflate.avro", "audit-2k.v2.deflate.avro", "gateway-2k.deflate.avro",
        ])
    func sameBlocks(name: String) throws {
        let sequential = try Self.blocks(name, readAhead: false)
        let ahead = try Self.blocks(name, readAhead: true)
        #expect(sequential.count > 1)
        #expect(ahead == sequential)
    }

    struct Stop: Error {}

    @Test("a body that throws stops the iteration; the reader can iterate no further and is released cleanly")
    func earlyExit() throws {
        for _ in 0..<20 {
            let file = try AvroContainerReader(path: Fixtures.path("audit-2k.v2.deflate.avro"))
            var seen = 0
            #expect(throws: Stop.self) {
                try file.forEachBlock { _, _, _ in
                    seen += 1
                    if seen == 3 { throw Stop() }
                }
            }
            #expect(seen == 3)
        }
    }
}
