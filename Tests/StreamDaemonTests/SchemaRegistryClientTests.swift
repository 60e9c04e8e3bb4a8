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

    @Test(
        "lookups never request: an uncached id is schema-pending until fetched, then cached; a 404 is unknown-schema-id"
    )
    func fetchAndCache() throws {
        let server = try TinyHTTPServer(routes: try Self.routes())
        defer { server.stop() }
        let client = SchemaRegistryClient(url: "http://127.0.0.1:\(server.port)/")
        let pending = try #require(throws: AvroError.self) { try client.schema(id: 1) }
        #expect(pending.code == .schemaPending)
        #expect(server.received.isEmpty, "the lookup did not touch the network")
        #expect(try #require(throws: AvroError.self) { try client.schema(id: 3) }.code == .schemaPending)
        #expect(try #require(throws: AvroError.self) { try client.schema(id: 999) }.code == .schemaPending)
        #expect(client.pendingIDs == [1, 3, 999])
        #expect(client.fetchPending() == nil)
        #expect(client.pendingIDs.isEmpty)
        let first = try client.schema(id: 1)
        let again = try client.schema(id: 1)
        #expect(first.fullName == "com.telefonica.aura.Aura_Audit")
        #expect(again.root == first.root)
        #expect(try client.schema(id: 3).fullName == "com.telefonica.aura.Aura_Gateway_Message")
        let missing = try #require(throws: AvroError.self) { try client.schema(id: 999) }
        #expect(missing.code == .unknownSchemaID)
        #expect(client.fetchPending() == nil)
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
        var pendingSeen = 0
        for frame in try Self.frames("audit-2k.frames") {
            do {
                try frame.withUnsafeBytes { try decoder.decode($0, into: &values) }
            } catch let error as AvroError where error.code == .schemaPending {
                // What the daemon does: the fetcher fetches, the message is handled again.
                pendingSeen += 1
                #expect(client.fetchPending() == nil)
                try frame.withUnsafeBytes { try decoder.decode($0, into: &values) }
            }
            count += 1
        }
        #expect(count == 2000)
        #expect(pendingSeen == 2)
        #expect(Set(server.requestedPaths) == ["/schemas/ids/1", "/schemas/ids/2"])
        #expect(server.requestedPaths.count == 2)
    }

    @Test("an unreachable registry is transient: the id stays pending, never unknown-schema-id")
    func unreachable() throws {
        let server = try TinyHTTPServer(routes: [String: String]())
        let port = server.port
        server.stop()
        let client = SchemaRegistryClient(url: "http://127.0.0.1:\(port)", timeoutSeconds: 5)
        #expect(try #require(throws: AvroError.self) { try client.schema(id: 1) }.code == .schemaPending)
        let failure = try #require(client.fetchPending())
        #expect(failure.contains("127.0.0.1:\(port)/schemas/ids/1"), "\(failure)")
        #expect(client.pendingIDs == [1])
        #expect(try #require(throws: AvroError.self) { try client.schema(id: 1) }.code == .schemaPending)
    }

    @Test("a 5xx is transient, and a 404 right after it is retried within the grace, definitive after it")
    func notFoundAfterServerErrorWaitsOutTheGrace() throws {
        let server = try TinyHTTPServer(routes: try Self.routes())
        defer { server.stop() }
        let patient = SchemaRegistryClient(url: server.url(""), unknownGrace: .seconds(60))
        let brief = SchemaRegistryClient(url: server.url(""), unknownGrace: .milliseconds(50))
        server.outage = 503
        for client in [patient, brief] {
            #expect(throws: AvroError.self) { try client.schema(id: 7) }
            #expect(client.fetchPending()?.contains("HTTP 503") == true)
            #expect(try #require(throws: AvroError.self) { try client.schema(id: 7) }.code == .schemaPending)
        }
        server.outage = nil
        // Within the grace the 404 is not trusted: still pending.
        #expect(patient.fetchPending()?.contains("HTTP 404 within the grace") == true)
        #expect(try #require(throws: AvroError.self) { try patient.schema(id: 7) }.code == .schemaPending)
        // After the grace it is definitive (polled with a deadline, no fixed sleep).
        let deadline = ContinuousClock.now + .seconds(10)
        while brief.fetchPending() != nil, ContinuousClock.now < deadline {}
        #expect(brief.pendingIDs.isEmpty)
        #expect(try #require(throws: AvroError.self) { try brief.schema(id: 7) }.code == .unknownSchemaID)
        // A known id is fetched at once after the outage, grace or not.
        #expect(throws: AvroError.self) { try patient.schema(id: 1) }
        _ = patient.fetch(id: 1)
        #expect(try patient.schema(id: 1).fullName == "com.telefonica.aura.Aura_Audit")
    }

    @Test("a registry URL's user information never appears in an error")
    func redactsCredentials() throws {
        let server = try TinyHTTPServer(routes: [String: String]())
        defer { server.stop() }
        let client = SchemaRegistryClient(url: "http://reader:hunter2@127.0.0.1:\(server.port)")
        let pending = try #require(throws: AvroError.self) { try client.schema(id: 7) }
        #expect(!pending.description.contains("hunter2"))
        #expect(client.fetchPending() == nil)
        let error = try #require(throws: AvroError.self) { try client.schema(id: 7) }
        #expect(error.code == .unknownSchemaID)
        #expect(error.source == "http://[redacted]@127.0.0.1:\(server.port)/schemas/ids/7")
        #expect(!error.description.contains("hunter2"))
    }
}
