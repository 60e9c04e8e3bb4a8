import Avro
import Foundation
import Testing

@Suite("AvroContainerReader on corrupt containers")
struct ContainerCorruptionTests {
    static let sync: [UInt8] = Array(0..<16)
    static let schema = #"{"type":"record","name":"R","fields":[{"name":"a","type":"long"}]}"#

    /// Writes a container with the given codec and raw (already encoded) blocks to a temp file.
    static func container(codec: String, blocks: [(count: Int64, data: [UInt8])], sync: [UInt8] = sync) throws -> String
    {
        try write(containerFile(schema: schema, codec: codec, blocks: blocks, headerSync: Self.sync, blockSync: sync))
    }

    static func write(_ bytes: [UInt8]) throws -> String {
        try temporaryAvroFile(bytes, prefix: "avro-test-")
    }

    /// Reads every record of a container; returns the error, if any.
    static func readAll(_ path: String) -> AvroError? {
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let file = try AvroContainerReader(path: path)
            let decoder = try AvroRecordDecoder(writer: file.writerSchema, reader: file.writerSchema, fields: [])
            var values = AvroValues(count: 0)
            try file.forEachRecord(decoder: decoder, values: &values) { _ in }
            return nil
        } catch let error as AvroError {
            return error
        } catch {
            return AvroError(.init("unexpected"), "\(error)")
        }
    }

    @Test("a hand-built container with two null-codec blocks reads back")
    func valid() throws {
        let path = try Self.container(codec: "null", blocks: [(2, [2, 4]), (1, [6])])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try AvroContainerReader(path: path)
        let decoder = try AvroRecordDecoder(writer: file.writerSchema, reader: file.writerSchema, fields: ["a"])
        var values = AvroValues(count: 1)
        var seen: [Int64] = []
        try file.forEachRecord(decoder: decoder, values: &values) { seen.append($0.long(0)) }
        #expect(seen == [1, 2, 3])
    }

    @Test("a block not followed by the sync marker fails with badSyncMarker at the marker's offset")
    func badSync() throws {
        var other = Self.sync
        other[15] ^= 0xFF
        let path = try Self.container(codec: "null", blocks: [(1, [2])], sync: other)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        let error = Self.readAll(path)
        #expect(error?.code == .badSyncMarker)
        #expect(error?.offset == size.map { $0 - 16 })
    }

    @Test("the deflate fixture with a flipped sync byte fails with badSyncMarker")
    func fixtureBadSync() throws {
        var bytes = [UInt8](try Fixtures.data("audit-2k.deflate.avro"))
        bytes[bytes.count - 1] ^= 0x5A
        let error = Self.readAll(try Self.write(bytes))
        #expect(error?.code == .badSyncMarker)
        #expect(error?.offset == bytes.count - 16)
    }

    @Test("every truncation of the deflate fixture inside its blocks fails with truncated, never crashes")
    func truncated() throws {
        let bytes = [UInt8](try Fixtures.data("audit-2k.deflate.avro"))
        for cut in stride(from: bytes.count - 1, to: bytes.count / 2, by: -997) {
            let error = Self.readAll(try Self.write(Array(bytes[0..<cut])))
            #expect(error?.code == .truncated, "cut at \(cut): \(String(describing: error))")
        }
    }

    @Test("invalid deflate data fails with corruptBlock")
    func corruptDeflate() throws {
        let error = Self.readAll(try Self.container(codec: "deflate", blocks: [(1, [0xFF, 0xFF, 0xFF, 0xFF])]))
        #expect(error?.code == .corruptBlock)
    }

    @Test("codecs other than null and deflate are rejected with unsupportedCodec naming the codec")
    func unsupportedCodec() throws {
        let error = Self.readAll(try Self.container(codec: "snappy", blocks: []))
        #expect(error?.code == .unsupportedCodec)
        #expect(error?.message.contains("snappy") == true)
    }

    @Test("a block holding more bytes than its records fails with trailingBytes")
    func trailing() throws {
        let error = Self.readAll(try Self.container(codec: "null", blocks: [(1, [2, 4])]))
        #expect(error?.code == .trailingBytes)
        #expect(error?.offset == 1)
    }

    @Test("a negative block count or a block size past the end is corrupt or truncated")
    func badBlockHeader() throws {
        #expect(Self.readAll(try Self.container(codec: "null", blocks: [(-1, [2])]))?.code == .corruptBlock)
        var encoder = TestEncoder()
        encoder.long(1)
        encoder.long(1000)
        let headerPath = try Self.container(codec: "null", blocks: [])
        defer { try? FileManager.default.removeItem(atPath: headerPath) }
        let header = [UInt8](try Data(contentsOf: URL(fileURLWithPath: headerPath)))
        #expect(Self.readAll(try Self.write(header + encoder.bytes + [2]))?.code == .truncated)
    }

    @Test("a file that is not a container fails with wrongMagic")
    func notAContainer() throws {
        let error = Self.readAll(try Self.write(Array("{\"type\":\"record\"}".utf8)))
        #expect(error?.code == .wrongMagic)
    }
}
