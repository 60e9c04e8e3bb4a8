// Plain-old-data rows of `PartitionState`. Their layouts have no implicit padding (explicit
// `pad` fields), so a checkpoint writes the arrays with one memcpy each; the checkpoint codec
// checks `MemoryLayout<…>.size == stride` and the expected sizes.

/// Sentinel interned id for a null `AURA_APP_ID`.
package let nullStringID: UInt32 = .max

/// Count of audit queries per (OB, period, component, app, service, billedIn).
package struct AuditRow: Sendable, Equatable {
    package var count: Int64
    package var ob: UInt32
    package var component: UInt32
    /// Interned app id, or `nullStringID`.
    package var app: UInt32
    /// The event's own billing period.
    package var period: Int32
    /// 0 for on-time events; for late events (their period was closed when they arrived) the
    /// raw value of the first open period of the OB after `period`: the invoice that bills them.
    package var billedIn: Int32
    package var service: UInt8
    package var pad0: UInt8 = 0
    package var pad1: UInt16 = 0

    package var key: AuditRowKey {
        AuditRowKey(ob: ob, component: component, app: app, period: period, billedIn: billedIn, service: service)
    }
}

/// Identity of an `AuditRow`.
package struct AuditRowKey: Hashable, Sendable {
    var ob: UInt32
    var component: UInt32
    var app: UInt32
    var period: Int32
    var billedIn: Int32
    var service: UInt8

    /// Field-wise equality without a branch per field: on the hot path most comparisons are
    /// between keys of different rows that share some fields, which a short-circuit
    /// comparison mispredicts.
    package static func == (a: Self, b: Self) -> Bool {
        let x = (UInt64(a.ob) << 32 | UInt64(a.component)) ^ (UInt64(b.ob) << 32 | UInt64(b.component))
        let y =
            (UInt64(a.app) << 32 | UInt64(UInt32(bitPattern: a.period)))
            ^ (UInt64(b.app) << 32 | UInt64(UInt32(bitPattern: b.period)))
        let z =
            (UInt64(UInt32(bitPattern: a.billedIn)) << 8 | UInt64(a.service))
            ^ (UInt64(UInt32(bitPattern: b.billedIn)) << 8 | UInt64(b.service))
        return x | y | z == 0
    }
}

/// Gateway messages per (OB, period, app, billedIn).
package struct GatewayRow: Sendable, Equatable {
    package var messages: Int64
    package var nlpMessages: Int64
    package var ob: UInt32
    package var app: UInt32
    package var period: Int32
    /// See `AuditRow.billedIn`.
    package var billedIn: Int32

    package var key: GatewayRowKey { GatewayRowKey(ob: ob, app: app, period: period, billedIn: billedIn) }
}

/// Identity of a `GatewayRow`.
package struct GatewayRowKey: Hashable, Sendable {
    var ob: UInt32
    var app: UInt32
    var period: Int32
    var billedIn: Int32

    /// Field-wise equality without a branch per field (see `AuditRowKey.==`).
    package static func == (a: Self, b: Self) -> Bool {
        let x = (UInt64(a.ob) << 32 | UInt64(a.app)) ^ (UInt64(b.ob) << 32 | UInt64(b.app))
        let y =
            (UInt64(UInt32(bitPattern: a.period)) << 32 | UInt64(UInt32(bitPattern: a.billedIn)))
            ^ (UInt64(UInt32(bitPattern: b.period)) << 32 | UInt64(UInt32(bitPattern: b.billedIn)))
        return x | y == 0
    }
}

/// Per (OB, period) statistics. The per-day counts live beside it (31 per row).
package struct PeriodStatsRow: Sendable, Equatable {
    /// Earliest and latest event time received (duplicates included), UTC ms.
    package var firstEventMs: Int64
    package var lastEventMs: Int64
    /// Unique events counted (late ones included).
    package var events: Int64
    /// Copies dropped as duplicates of a key counted in this period.
    package var duplicates: Int64
    /// Unique events that arrived after the period was closed.
    package var late: Int64
    package var ob: UInt32
    package var period: Int32
}

/// (OB, period) with interned OB.
package struct PeriodKey: Hashable, Sendable {
    package var ob: UInt32
    package var period: Int32
}
