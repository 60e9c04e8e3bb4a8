package import Aggregation

/// Builds large, realistic `PartitionState`s for the checkpoint benchmarks: unique audit events
/// spread over the datagen's 12 OBs, 20 components and as many apps as the row count needs, in
/// October 2026.
package enum SyntheticAggregates {
    /// The datagen's OBs (all have a zone in `OBTimeZones.datagenZones`).
    package static let obs = ["ESP", "BRA", "DEU", "GBR", "ARG", "CHL", "COL", "PER", "MEX", "VEN", "ECU", "URY"]
    /// 2026-10-02T00:00:00Z: every event falls in period 2026-10 in every OB's zone.
    static let startMs: Int64 = 1_790_899_200_000

    /// A state of `keys` unique events (so `keys` dedup keys) counted in `rows` audit rows.
    /// - Precondition: `rows <= keys` and `rows >= 1`.
    package static func state(keys: Int, rows: Int) throws -> PartitionState {
        precondition(rows >= 1 && rows <= keys, "every row needs at least one event")  // caller's arguments
        var state = PartitionState(zones: try OBTimeZones(OBTimeZones.datagenZones))
        let source = state.source(PartitionKey(topic: "synthetic", partition: 0))
        let components = (0..<20).map { Array("aura-component-\($0)".utf8) }
        let obBytes = obs.map { Array($0.utf8) }
        let appCount = (rows + obs.count * components.count - 1) / (obs.count * components.count)
        let apps = (0..<appCount).map { Array("app-\($0)".utf8) }
        var interaction = [UInt8](repeating: 0, count: 20)  // "ix-" + 16 hex digits + "-"
        let hex = Array("0123456789abcdef".utf8)
        for index in 0..<keys {
            let row = index % rows
            let ob = row % obs.count
            let component = (row / obs.count) % components.count
            let app = row / (obs.count * components.count)
            interaction[0] = UInt8(ascii: "i")
            interaction[1] = UInt8(ascii: "x")
            interaction[2] = UInt8(ascii: "-")
            var value = UInt64(index)
            for digit in 0..<16 {
                interaction[18 - digit] = hex[Int(value & 15)]
                value >>= 4
            }
            interaction[19] = UInt8(ascii: "-")
            let timeMs = startMs + Int64(index % (25 * 86_400)) * 1_000
            try interaction.withUnsafeBytes { id in
                try components[component].withUnsafeBytes { componentID in
                    try obBytes[ob].withUnsafeBytes { obID in
                        try apps[app].withUnsafeBytes { appID in
                            // The event borrows these buffers only for the `ingest` call.
                            let event = AuditEvent(interactionID: id, componentID: componentID, ob: obID, app: appID,
                                                   service: UInt8(truncatingIfNeeded: row % 4), timeMs: timeMs)
                            try state.ingest(event, source: source)
                        }
                    }
                }
            }
            state.markConsumed(source: source, offset: Int64(index))
        }
        return state
    }
}
