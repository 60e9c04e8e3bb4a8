@testable import Aggregation

/// Deterministic PRNG for property tests (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// An audit event with owned strings (tests only).
struct TestAudit: Hashable {
    var id: String
    var component: String
    var ob: String
    var app: String?
    var service: UInt8
    var timeMs: Int64
}

/// A gateway message with owned strings (tests only).
struct TestGateway: Hashable {
    var id: String
    var ob: String
    var app: String?
    var nlp: Bool
    var timeMs: Int64
}

enum TestEvent: Hashable {
    case audit(TestAudit)
    case gateway(TestGateway)
}

func withBytes<R>(_ s: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try Array(s.utf8).withUnsafeBytes(body)
}

func withOptionalBytes<R>(_ s: String?, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
    guard let s else { return try body(nil) }
    return try Array(s.utf8).withUnsafeBytes { try body($0) }
}

extension PartitionState {
    @discardableResult
    mutating func ingest(_ e: TestAudit, source: Int = 0) throws -> Outcome {
        if partitions.isEmpty { _ = self.source(PartitionKey(topic: "test", partition: 0)) }
        return try withBytes(e.id) { id in
            try withBytes(e.component) { component in
                try withBytes(e.ob) { ob in
                    try withOptionalBytes(e.app) { app in
                        try ingest(
                            AuditEvent(
                                interactionID: id, componentID: component, ob: ob, app: app,
                                service: e.service, timeMs: e.timeMs), source: source)
                    }
                }
            }
        }
    }

    @discardableResult
    mutating func ingest(_ e: TestGateway, source: Int = 0) throws -> Outcome {
        if partitions.isEmpty { _ = self.source(PartitionKey(topic: "test", partition: 0)) }
        return try withBytes(e.id) { id in
            try withBytes(e.ob) { ob in
                try withOptionalBytes(e.app) { app in
                    try ingest(
                        GatewayEvent(messageID: id, ob: ob, app: app, nlp: e.nlp, timeMs: e.timeMs), source: source)
                }
            }
        }
    }

    @discardableResult
    mutating func ingest(_ e: TestEvent, source: Int = 0) throws -> Outcome {
        switch e {
        case .audit(let a): return try ingest(a, source: source)
        case .gateway(let g): return try ingest(g, source: source)
        }
    }
}

/// Parses a timestamp string in tests.
func ms(_ text: String) throws -> Int64 {
    try withBytes(text) { try EventTime.parseMillis($0, field: "AURA_TM") }
}

/// Zones of the datagen OBs plus a few odd ones.
let testZones: OBTimeZones = {
    var zones = OBTimeZones.datagenZones
    zones["AUS"] = "Australia/Sydney"
    zones["NPL"] = "Asia/Kathmandu"
    return try! OBTimeZones(zones)  // static identifiers known to exist in tzdata
}()

extension DedupTable {
    /// The table as version-1 checkpoints stored it: raw slot arrays (2 fingerprint words and a
    /// reference per slot, empty slots zero) with enough slots for the keys at load 0.85.
    func versionOneArrays() -> (keys: [UInt64], refs: [UInt32]) {
        let slots = max(16, (count * 20 + 16) / 17)
        var keys = [UInt64](repeating: 0, count: 2 * slots)
        var refs = [UInt32](repeating: 0, count: slots)
        var s = 0
        forEach { fp, ref in
            keys[2 * s] = fp.lo
            keys[2 * s + 1] = fp.hi
            refs[s] = ref
            s += 1
        }
        return (keys, refs)
    }
}
