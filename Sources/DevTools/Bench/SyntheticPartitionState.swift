import Aggregation
import StreamDaemon

/// Partition states with many distinct dedup keys, built through the real `ingest`: for the
/// changelog benchmark (`aura-billing changelog-bench`) and tests.
enum SyntheticPartitionState {
    static func zones() throws -> OBTimeZones { try OBTimeZones(["ESP": "Europe/Madrid"]) }

    /// A state of `tp` with `events` distinct audit events (one dedup key each; ids from a
    /// splitmix64 sequence seeded with `seed`, so they do not compress), consumed up to offset
    /// `events - 1`, all in October 2026.
    static func make(_ tp: PartitionKey, events: Int, seed: UInt64 = 1) throws -> PartitionState {
        var state = PartitionState(zones: try zones())
        try add(to: &state, tp, events: 0..<events, seed: seed)
        return state
    }

    /// Ingests the events numbered `events` of the sequence `make` uses (event i at offset i),
    /// e.g. the next ones after a state `make` built.
    static func add(to state: inout PartitionState, _ tp: PartitionKey, events: Range<Int>, seed: UInt64 = 1) throws {
        let source = state.source(tp)
        // splitmix64 of the (2i + 1)-th and (2i + 2)-th steps from `seed`.
        func mix(_ step: Int) -> UInt64 {
            var z = seed &+ UInt64(step) &* 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let component = Array("COMP-A".utf8)
        let ob = Array("ESP".utf8)
        let app = Array("APP-1".utf8)
        let start: Int64 = 1_790_812_800_000  // 2026-10-01T00:00:00Z
        for i in events {
            let id = Array("\(mix(2 * i + 1))-\(mix(2 * i + 2))".utf8)
            // The buffers live for the whole `ingest` call; nothing escapes it.
            try id.withUnsafeBytes { idBytes in
                try component.withUnsafeBytes { c in
                    try ob.withUnsafeBytes { o in
                        try app.withUnsafeBytes { a in
                            _ = try state.ingest(
                                AuditEvent(
                                    interactionID: idBytes, componentID: c, ob: o, app: a, service: 0,
                                    timeMs: start + Int64(i % 2_000_000) * 1000), source: source)
                        }
                    }
                }
            }
            state.markConsumed(source: source, offset: Int64(i))
        }
    }
}
