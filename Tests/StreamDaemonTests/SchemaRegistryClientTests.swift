import Avro
import Foundation
import Testing

@testable import StreamDaemon

/// The registry client against a real socket (`TinyHTTPServer`), with the Avro fixtures'
/// registry (`Tests/AvroTests/Fixtures/audit-2k.frames.registry.json`).
@Suite("SchemaRegistryClient over HTTP")
struct SchemaRegistryClientTests {
    static let fixtures = DaemonHarness.root.appendingPathComponent("Tests/AvroTests/Fixtures")

    /// The fixture registry's id → entry map.
    static func registry() throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("audit-2k.frames.registry.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try object.mapValues { try #require($0 as? [String: Any]) }
    }

    /// `/schemas/ids/{id}` → `{"schema": …}` for every fixture id.
    static func routes() throws -> [String: String] {
        var routes: [String: String] = [:]
        for (key, entry) in try registry() {
            let body = try JSONSerialization.data(withJSONObject: ["schema": entry["schema"] as Any])
            routes["/schemas/ids/\(key)"] = String(decoding: body, as: UTF8.self)
        }
        return routes
    }

    /// The reader schema: fixture id 1 (Aura_Audit v1), parsed locally.
    static func readerSchema() throws -> AvroSchema {
        let text = try #require(try registry()["1"]?["schema"] as? String)
        return try AvroSchema.parse(json: text, source: "registry.json#1")
    }

    /// The frames of a length-prefixed frames file (4-byte big-endian length, then the frame).
    static func frames(_ name: String) throws -> [[UInt8]] {
        let bytes = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(name)))
        var frames: [[UInt8]] = []
        var position = 0
        while position < bytes.count {
            try #require(position + 4 <= bytes.count, "truncated length prefix")
            let length = bytes[position..<(position + 4)].reduce(0) { $0 << 8 | Int($1) }
            position += 4
            try #require(position + length <= bytes.count, "truncated frame")
            frames.append(Array(bytes[position..<(position + length)]))
            position += length
        }
        return frames
    }

    @Test("fetches /schemas/ids/{id} once per id, caches it, and maps 404 to unknownSchemaID")
    func fetchAndCache() throws {
        let server = try TinyHTTPServer(routes: try Self.routes())
        defer { server.stop() }
        let client = SchemaRegistryClient(url: "http://127.0.0.1:\(server.port)/")
        let first = try client.schema(id: 1)
        let again = try client.schema(id: 1)
        #expect(first.fullName == "com.telefonica.aura.Aura_Audit")
        #expect(again.root == first.root)
        #expect(try client.schema(id: 3).fullName == "com.telefonica.aura.Aura_Gateway_Message")
        let missing = try #require(throws: AvroError.self) { try client.schema(id: 999) }
        #expect(missing.code == .unknownSchemaID)
        // A 404 is remembered: asking again does not hit the registry.
        let again404 = try #require(throws: AvroError.self) { try client.schema(id: 999) }
        #expect(again404.code == .unknownSchemaID)
        #expect(server.requestedPaths == ["/schemas/ids/1", "/schemas/ids/3", "/schemas/ids/999"])
        #expect(server.received.allSatisfy { $0.method == "GET" })
    }

    @Test("frames decode through the registry client exactly as through local schemas")
    func framesThroughRegistry() throws {
        let server = try TinyHTTPServer(routes: try Self.routes())
        defer { server.stop() }
        let client = SchemaRegistryClient(url: "http://127.0.0.1:\(server.port)")
        let decoder = FrameDecoder(reader: try Self.readerSchema(), fields: ["INTERACTION_ID"], schemas: client)
        var values = AvroValues(count: 1)
        var count = 0
        for frame in try Self.frames("audit-2k.frames") {
            try frame.withUnsafeBytes { try decoder.decode($0, into: &values) }
            count += 1
        }
        #expect(count == 2000)
        #expect(Set(server.requestedPaths) == ["/schemas/ids/1", "/schemas/ids/2"])
        #expect(server.requestedPaths.count == 2)
    }

    @Test("an unreachable registry is schemaUnavailable, not unknownSchemaID")
    func unreachable() throws {
        let server = try TinyHTTPServer(routes: [String: String]())
        let port = server.port
        server.stop()
        let client = SchemaRegistryClient(url: "http://127.0.0.1:\(port)", timeoutSeconds: 5)
        let error = try #require(throws: AvroError.self) { try client.schema(id: 1) }
        #expect(error.code == .schemaUnavailable)
        #expect(error.message.contains("schema registry request failed"))
    }

    @Test("a registry URL's user information never appears in an error")
    func redactsCredentials() throws {
        let server = try TinyHTTPServer(routes: [String: String]())
        defer { server.stop() }
        let client = SchemaRegistryClient(url: "http://reader:hunter2@127.0.0.1:\(server.port)")
        let error = try #require(throws: AvroError.self) { try client.schema(id: 7) }
        #expect(error.code == .unknownSchemaID)
        #expect(error.source == "http://[redacted]@127.0.0.1:\(server.port)/schemas/ids/7")
        #expect(!error.description.contains("hunter2"))
    }
}
