import Avro
import Foundation
import Testing

@Suite("SchemaRegistryClient over HTTP (libcurl)")
struct SchemaRegistryClientTests {
    static func routes() throws -> [String: String] {
        var routes: [String: String] = [:]
        for (key, value) in try Fixtures.json("audit-2k.frames.registry.json") {
            let entry = try #require(value as? [String: Any])
            let body = try JSONSerialization.data(withJSONObject: ["schema": entry["schema"] as Any])
            routes["/schemas/ids/\(key)"] = String(decoding: body, as: UTF8.self)
        }
        return routes
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
        let missing = avroError { () throws(AvroError) in _ = try client.schema(id: 999) }
        #expect(missing?.code == .unknownSchemaID)
        // A 404 is remembered: asking again does not hit the registry.
        let again404 = avroError { () throws(AvroError) in _ = try client.schema(id: 999) }
        #expect(again404?.code == .unknownSchemaID)
        #expect(server.requestedPaths == ["/schemas/ids/1", "/schemas/ids/3", "/schemas/ids/999"])
    }

    @Test("frames decode through the registry client exactly as through local schemas")
    func framesThroughRegistry() throws {
        let server = try TinyHTTPServer(routes: try Self.routes())
        defer { server.stop() }
        let client = SchemaRegistryClient(url: "http://127.0.0.1:\(server.port)")
        let decoder = FrameDecoder(reader: try Fixtures.schema(id: 1), fields: ["INTERACTION_ID"], schemas: client)
        var values = AvroValues(count: 1)
        var count = 0
        for frame in try Fixtures.frames("audit-2k.frames") {
            try frame.withUnsafeBytes { try decoder.decode($0, into: &values) }
            count += 1
        }
        #expect(count == 2000)
        #expect(Set(server.requestedPaths) == ["/schemas/ids/1", "/schemas/ids/2"])
        #expect(server.requestedPaths.count == 2)
    }

    @Test("an unreachable registry is schemaUnavailable, not unknownSchemaID")
    func unreachable() throws {
        let server = try TinyHTTPServer(routes: [:])
        let port = server.port
        server.stop()
        let client = SchemaRegistryClient(url: "http://127.0.0.1:\(port)", timeoutSeconds: 5)
        let error = avroError { () throws(AvroError) in _ = try client.schema(id: 1) }
        #expect(error?.code == .schemaUnavailable)
    }
}
