package import Avro
import Foundation
import HTTPTransport
import Synchronization

/// Writer schemas from a Confluent-compatible schema registry: `GET {url}/schemas/ids/{id}`
/// through ``HTTPClient``, response `{"schema": "<avsc JSON string>"}`; each schema is fetched
/// once and cached.
///
/// `schema(id:)` blocks on the network for an uncached id: call it from the daemon's own threads,
/// never on the cooperative pool.
package final class SchemaRegistryClient: WriterSchemaSource {
    /// The registry's base URL, without a trailing slash.
    package let baseURL: String
    private let client: HTTPClient
    private let cache = Mutex<[Int32: AvroSchema]>([:])
    /// Ids the registry answered 404 for, and when: asked again only after `unknownRetryInterval`,
    /// so a stream of frames with a bad id does not become a stream of HTTP requests.
    private let unknown = Mutex<[Int32: ContinuousClock.Instant]>([:])
    private let unknownRetryInterval: Duration

    /// - Parameters:
    ///   - url: the registry's base URL, e.g. `http://registry:8081`.
    ///   - timeoutSeconds: whole-request timeout.
    ///   - unknownRetryInterval: how long a 404 answer is remembered before the id is asked again.
    package init(url: String, timeoutSeconds: Int = 10, unknownRetryInterval: Duration = .seconds(30)) {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        let timeout = Duration.seconds(max(1, timeoutSeconds))
        self.client = HTTPClient(
            connectTimeout: min(timeout, .seconds(10)), timeout: timeout,
            maxResponseBytes: 16 << 20, followRedirects: true)
        self.unknownRetryInterval = unknownRetryInterval
    }

    package func schema(id: Int32) throws(AvroError) -> AvroSchema {
        if let cached = cache.withLock({ $0[id] }) { return cached }
        let url = "\(baseURL)/schemas/ids/\(id)"
        // A registry URL may carry user information: errors name it redacted.
        let source = HTTPTransportError.redacting(url)
        let now = ContinuousClock.now
        if let since = unknown.withLock({ $0[id] }), now - since < unknownRetryInterval {
            throw AvroError(.unknownSchemaID, "schema id \(id) is not registered (HTTP 404, cached)", source: source)
        }
        let response: HTTPResponse
        do {
            response = try client.get(url)
        } catch {
            throw AvroError(.schemaUnavailable, "schema registry request failed: \(error.message)", source: source)
        }
        if response.status == 404 {
            unknown.withLock { $0[id] = now }
            throw AvroError(.unknownSchemaID, "schema id \(id) is not registered (HTTP 404)", source: source)
        }
        guard response.status == 200 else {
            throw AvroError(.schemaUnavailable, "schema registry answered HTTP \(response.status)", source: source)
        }
        let schema = try AvroSchema.parse(
            json: try Self.schemaText(response.body, id: id, source: source), source: source)
        cache.withLock { $0[id] = schema }
        return schema
    }

    /// The `schema` string of a registry response; an error unless it is an AVRO schema.
    private static func schemaText(_ body: [UInt8], id: Int32, source: String) throws(AvroError) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw AvroError(.schemaParse, "registry response is not a JSON object", source: source)
        }
        guard let text = object["schema"] as? String else {
            throw AvroError(.schemaParse, "registry response has no \"schema\" string", source: source)
        }
        if let kind = object["schemaType"] as? String, kind != "AVRO" {
            throw AvroError(.schemaParse, "schema id \(id) is of type \(kind), not AVRO", source: source)
        }
        return text
    }
}
