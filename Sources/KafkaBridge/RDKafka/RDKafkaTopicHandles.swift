internal import CRdKafka
import Synchronization

/// The `rd_kafka_topic_t` handles a client has opened, by name, created on first use.
///
/// `@unchecked Sendable`: the client and topic handles are thread-safe in librdkafka and the
/// map is behind a `Mutex`. The owner calls `destroyAll()` before `rd_kafka_destroy` of the
/// client, which outlives this object.
final class RDKafkaTopicHandles: @unchecked Sendable {
    private let client: OpaquePointer
    private let handles = Mutex<[String: OpaquePointer]>([:])

    init(client: OpaquePointer) { self.client = client }

    /// The handle of topic `name`, opened on first use.
    /// - Parameter code: the error code when librdkafka cannot open it.
    func handle(_ name: String, code: KafkaError.Code) throws(KafkaError) -> OpaquePointer {
        let result: OpaquePointer? = handles.withLock { cache in
            if let rkt = cache[name] { return rkt }
            guard let rkt = rd_kafka_topic_new(client, name, nil) else { return nil }
            cache[name] = rkt
            return rkt
        }
        guard let result else {
            throw KafkaError(code, rd_kafka_last_error(), context: "cannot open topic", source: name)
        }
        return result
    }

    /// The handle of `name` if it was opened.
    func existing(_ name: String) -> OpaquePointer? { handles.withLock { $0[name] } }

    /// Destroys every handle (before the client is destroyed).
    func destroyAll() {
        for rkt in handles.withLock({ cache in
            defer { cache.removeAll() }
            return Array(cache.values)
        }) { rd_kafka_topic_destroy(rkt) }
    }
}
