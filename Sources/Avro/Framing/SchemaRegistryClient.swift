import Synchronization
import CCurl

/// Writer schemas from a Confluent-compatible schema registry: libcurl `GET {url}/schemas/ids/{id}`,
/// response `{"schema": "<avsc JSON string>"}`; each schema is fetched once and cached.
///
/// `schema(id:)` blocks on the network for an uncached id: call it from the daemon's own threads,
/// never on the cooperative pool.
package final class SchemaRegistryClient: WriterSchemaSource {
    /// The registry's base URL, without a trailing slash.
    package let baseURL: String
    private let timeoutSeconds: Int
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
        self.timeoutSeconds = timeoutSeconds
        self.unknownRetryInterval = unknownRetryInterval
    }

    package func schema(id: Int32) throws(AvroError) -> AvroSchema {
        if let cached = cache.withLock({ $0[id] }) { return cached }
        let url = "\(baseURL)/schemas/ids/\(id)"
        let now = ContinuousClock.now
        if let since = unknown.withLock({ $0[id] }), now - since < unknownRetryInterval {
            throw AvroError(.unknownSchemaID, "schema id \(id) is not registered (HTTP 404, cached)", source: url)
        }
        let (status, body) = try Self.get(url, timeoutSeconds: timeoutSeconds)
        if status == 404 {
            unknown.withLock { $0[id] = now }
            throw AvroError(.unknownSchemaID, "schema id \(id) is not registered (HTTP 404)", source: url)
        }
        guard status == 200 else {
            throw AvroError(.schemaUnavailable, "schema registry answered HTTP \(status)", source: url)
        }
        guard let text = String(validating: body, as: UTF8.self) else {
            throw AvroError(.schemaParse, "registry response is not UTF-8", source: url)
        }
        var parser = JSONParser(text, source: url)
        guard case .object(let object) = try parser.parseDocument(), case .string(let schemaText)? = object["schema"]
        else {
            throw AvroError(.schemaParse, "registry response has no \"schema\" string", source: url)
        }
        if case .string(let kind)? = object["schemaType"], kind != "AVRO" {
            throw AvroError(.schemaParse, "schema id \(id) is of type \(kind), not AVRO", source: url)
        }
        let schema = try AvroSchema.parse(json: schemaText, source: url)
        cache.withLock { $0[id] = schema }
        return schema
    }

    /// Response body collected by the write callback (at most `limit` bytes).
    private final class Sink {
        var bytes: [UInt8] = []
        var overflow = false
        let limit = 16 << 20
    }

    /// One blocking HTTP GET; returns the status code and body.
    private static func get(_ url: String, timeoutSeconds: Int) throws(AvroError) -> (Int, [UInt8]) {
        guard let handle = curl_easy_init() else {
            throw AvroError(.schemaUnavailable, "curl_easy_init failed", source: url)
        }
        defer { curl_easy_cleanup(handle) }
        let sink = Sink()
        // The sink outlives the transfer: `perform` returns before `sink` is released.
        let context = Unmanaged.passUnretained(sink).toOpaque()
        var code = url.withCString { aura_curl_setopt_ptr(handle, CURLOPT_URL, $0) }
        if code == CURLE_OK { code = aura_curl_setopt_long(handle, CURLOPT_TIMEOUT, timeoutSeconds) }
        if code == CURLE_OK { code = aura_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1) }
        if code == CURLE_OK { code = aura_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1) }
        if code == CURLE_OK { code = aura_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, context) }
        if code == CURLE_OK {
            code = aura_curl_setopt_write_cb(handle) { data, size, count, userdata in
                guard let userdata, let data else { return 0 }
                let sink = Unmanaged<Sink>.fromOpaque(userdata).takeUnretainedValue()
                let total = size * count
                if sink.bytes.count + total > sink.limit {
                    sink.overflow = true
                    return 0
                }
                data.withMemoryRebound(to: UInt8.self, capacity: total) {
                    sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: total))
                }
                return total
            }
        }
        if code == CURLE_OK { code = curl_easy_perform(handle) }
        guard code == CURLE_OK else {
            let reason = sink.overflow ? "response larger than \(sink.limit) bytes" : String(cString: curl_easy_strerror(code))
            throw AvroError(.schemaUnavailable, "schema registry request failed: \(reason)", source: url)
        }
        var status = 0
        _ = aura_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return (status, sink.bytes)
    }
}
