package import Avro
import Foundation
import HTTPTransport
import Synchronization

/// Writer schemas from a Confluent-compatible schema registry: `GET {url}/schemas/ids/{id}`
/// through ``HTTPClient``, response `{"schema": "<avsc JSON string>"}`; each schema is fetched
/// once and cached.
///
/// `schema(id:)` (the consumer thread's question) never touches the network: it answers from
/// the cache, and an id it does not know yet throws the transient `schemaPending` and is queued
/// for `fetchPending()`, which `SchemaFetchService` runs off the cooperative pool with back-off.
/// A 404 makes an id definitively unknown (`unknownSchemaID`, quarantined) unless it comes within
/// `unknownGrace` after the registry was unreachable or answered 5xx; see `SchemaRegistryCache`.
package final class SchemaRegistryClient: WriterSchemaSource {
    /// The registry's base URL, without a trailing slash.
    package let baseURL: String
    private let client: HTTPClient
    private let state: Mutex<SchemaRegistryCache>
    private let wakeup: AsyncStream<Void>.Continuation
    /// Yields when an id was queued for fetching (coalesced: at most one wake-up is buffered).
    package let requests: AsyncStream<Void>

    /// - Parameters:
    ///   - url: the registry's base URL, e.g. `http://registry:8081`.
    ///   - timeoutSeconds: whole-request timeout.
    ///   - unknownRetryInterval: how long a 404 answer is trusted before the id is asked again.
    ///   - unknownGrace: how long after a transient failure a 404 is not trusted.
    ///   - maxUnknownIDs: the most ids remembered as unknown (oldest out).
    package init(
        url: String, timeoutSeconds: Int = 10, unknownRetryInterval: Duration = .seconds(30),
        unknownGrace: Duration = .seconds(60), maxUnknownIDs: Int = 10_000
    ) {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        let timeout = Duration.seconds(max(1, timeoutSeconds))
        self.client = HTTPClient(
            connectTimeout: min(timeout, .seconds(10)), timeout: timeout,
            maxResponseBytes: 16 << 20, followRedirects: true)
        state = Mutex(
            SchemaRegistryCache(
                limits: .init(
                    unknownRetryInterval: unknownRetryInterval, unknownGrace: unknownGrace,
                    maxUnknown: max(1, maxUnknownIDs), maxPending: max(1, maxUnknownIDs))))
        (requests, wakeup) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// From the cache only; throws `schemaPending` (transient) for an id not fetched yet.
    package func schema(id: Int32) throws(AvroError) -> AvroSchema {
        let answer = state.withLock { $0.lookup(id, now: .now) }
        switch answer {
        case .schema(let schema):
            return schema
        case .unknown(let error, let fetch):
            if fetch { wakeup.yield() }
            throw error
        case .pending(let fetch):
            if fetch { wakeup.yield() }
            throw AvroError(
                .schemaPending, "schema id \(id) is being fetched from the registry",
                source: HTTPTransportError.redacting(baseURL))
        }
    }

    /// Ids waiting for a fetch.
    package var pendingIDs: Set<Int32> { state.withLock { $0.pending } }

    /// Number of ids remembered as unknown (bounded).
    package var unknownCount: Int { state.withLock { $0.unknownCount } }

    /// Fetches every queued id (blocking: run it off the cooperative pool); stops at the first
    /// transient failure and returns what failed (retry after a back-off), nil when none did.
    package func fetchPending() -> String? {
        for id in pendingIDs.sorted() {
            if let failure = fetch(id: id) { return failure }
        }
        return nil
    }

    /// Fetches one id now (blocking) and records the answer; returns what failed when the id
    /// stays pending (transient, or a 404 within the grace), nil when it is answered.
    @discardableResult
    package func fetch(id: Int32) -> String? {
        let answer = ask(id: id)
        let transient = state.withLock { $0.record(id, answer, now: .now) }
        guard transient else { return nil }
        if case .transient(let what) = answer { return what }
        return "schema id \(id): HTTP 404 within the grace after a registry failure"
    }

    /// One registry request, classified.
    private func ask(id: Int32) -> SchemaRegistryCache.Answer {
        let url = "\(baseURL)/schemas/ids/\(id)"
        // A registry URL may carry user information: errors name it redacted.
        let source = HTTPTransportError.redacting(url)
        let response: HTTPResponse
        do { response = try client.get(url) } catch { return .transient("\(source): \(error.message)") }
        if response.status == 404 {
            return .definitive(
                AvroError(.unknownSchemaID, "schema id \(id) is not registered (HTTP 404)", source: source))
        }
        guard response.status == 200 else { return .transient("\(source): HTTP \(response.status)") }
        do {
            let text = try Self.schemaText(response.body, id: id, source: source)
            return .schema(try AvroSchema.parse(json: text, source: source))
        } catch {
            return .definitive(error)
        }
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
