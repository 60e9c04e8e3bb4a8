import StreamDaemon

/// The generator's running count of what it emitted, keyed by packed catalogue indexes (no
/// strings per event). `DemoMonthGenerator.expected` turns it into `DemoExpectedTotals`.
struct DemoTotalsCounter {
    /// Unique audit rows per packed (OB, local month, component, app, service).
    var auditGroups: [UInt64: Int] = [:]
    /// Unique gateway messages per packed (OB, local month, app, component, NLP).
    var gatewayGroups: [UInt64: Int] = [:]
    /// Every valid row, duplicates included, per packed (OB, timestamp-prefix month,
    /// component, app), by topic: the shared generator's `peer_check`.
    var peer: [[UInt64: Int]] = [[:], [:]]
    /// By topic (`DemoMessage.Topic.rawValue`).
    var messages = [0, 0]
    var duplicates = [0, 0]
    var late = [0, 0]
    var corrupt = [0, 0]
    var corruptByKind: [String: Int] = [:]

    /// Packs five small non-negative fields (each < 4096) into one key.
    static func pack(_ a: Int, _ b: Int, _ c: Int, _ d: Int, _ e: Int) -> UInt64 {
        UInt64(a) | UInt64(b) << 12 | UInt64(c) << 24 | UInt64(d) << 36 | UInt64(e) << 48
    }

    /// The five fields of a `pack`ed key.
    static func unpack(_ key: UInt64) -> (Int, Int, Int, Int, Int) {
        let m: UInt64 = 0xFFF
        return (Int(key & m), Int(key >> 12 & m), Int(key >> 24 & m), Int(key >> 36 & m), Int(key >> 48 & m))
    }
}
