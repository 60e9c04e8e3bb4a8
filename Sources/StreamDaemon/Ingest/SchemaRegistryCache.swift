import Avro

/// What `SchemaRegistryClient` knows about schema ids, as a value-type state machine kept under
/// the client's lock: fetched schemas, ids the registry definitively does not know (bounded,
/// oldest out), and ids waiting for the background fetcher (bounded).
struct SchemaRegistryCache {
    struct Limits {
        /// How long a definitive answer (404) is trusted before the id is asked again.
        var unknownRetryInterval: Duration = .seconds(30)
        /// A 404 within this long after the registry was unreachable or answered 5xx is not
        /// trusted (a registry that just came back may still be loading its schemas).
        var unknownGrace: Duration = .seconds(60)
        /// The most ids remembered as unknown; the oldest goes first.
        var maxUnknown = 10_000
        /// The most ids waiting for a fetch; more are asked for once some are answered.
        var maxPending = 10_000
    }

    /// The answer to a lookup from the consumer thread.
    enum Lookup {
        case schema(AvroSchema)
        /// Definitively not usable (404, or a schema that does not parse): quarantine.
        case unknown(AvroError, fetch: Bool)
        /// Not known yet: the message waits. `fetch`: the id was just queued (wake the fetcher).
        case pending(fetch: Bool)
    }

    /// What one fetch found.
    enum Answer {
        case schema(AvroSchema)
        /// The registry answered 404 (or with a schema that does not parse).
        case definitive(AvroError)
        /// Unreachable, timeout, 5xx, unexpected status (what happened).
        case transient(String)
    }

    private struct Unknown {
        var since: ContinuousClock.Instant
        var error: AvroError
    }

    let limits: Limits
    private var schemas: [Int32: AvroSchema] = [:]
    private var unknown: [Int32: Unknown] = [:]
    /// Ids of `unknown` in insertion order from `unknownHead` on (entries may be stale).
    private var unknownOrder: [Int32] = []
    private var unknownHead = 0
    private(set) var pending: Set<Int32> = []
    /// When a fetch last failed transiently.
    private var lastTransient: ContinuousClock.Instant?

    init(limits: Limits) {
        self.limits = limits
    }

    var unknownCount: Int { unknown.count }

    /// The consumer thread's question: never waits.
    mutating func lookup(_ id: Int32, now: ContinuousClock.Instant) -> Lookup {
        if let schema = schemas[id] { return .schema(schema) }
        if let entry = unknown[id] {
            // Still answered definitively; a stale answer is re-asked in the background.
            let stale = now - entry.since >= limits.unknownRetryInterval
            return .unknown(entry.error, fetch: stale && enqueue(id))
        }
        return .pending(fetch: enqueue(id))
    }

    /// Queues `id` for the fetcher; true when it was not queued yet.
    private mutating func enqueue(_ id: Int32) -> Bool {
        guard pending.count < limits.maxPending else { return false }
        return pending.insert(id).inserted
    }

    /// Records what a fetch of `id` found; returns whether it was transient (the id stays pending).
    mutating func record(_ id: Int32, _ answer: Answer, now: ContinuousClock.Instant) -> Bool {
        switch answer {
        case .schema(let schema):
            schemas[id] = schema
            unknown[id] = nil
            pending.remove(id)
            return false
        case .definitive(let error):
            if let last = lastTransient, now - last < limits.unknownGrace { return true }
            remember(id, Unknown(since: now, error: error))
            pending.remove(id)
            return false
        case .transient(_):
            lastTransient = now
            return true
        }
    }

    /// Adds or refreshes an unknown id, evicting the oldest beyond `maxUnknown`.
    private mutating func remember(_ id: Int32, _ entry: Unknown) {
        if unknown.updateValue(entry, forKey: id) == nil { unknownOrder.append(id) }
        while unknown.count > limits.maxUnknown, unknownHead < unknownOrder.count {
            let oldest = unknownOrder[unknownHead]
            unknownHead += 1
            unknown[oldest] = nil
        }
        if unknownHead > 1024, unknownHead * 2 > unknownOrder.count {
            unknownOrder.removeFirst(unknownHead)
            unknownHead = 0
        }
    }
}
