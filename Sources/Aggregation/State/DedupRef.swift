/// The 32-bit reference a `DedupTable` keeps with each key: which aggregate row counted it,
/// and what to subtract from that row and its period statistics if a merge finds the key
/// counted twice.
///
/// Bit 31: gateway row (else audit); bit 30: NLP message; bits 25–29: local day − 1;
/// bits 0–24: row index (so at most 2²⁵ rows of each kind per state).
package struct DedupRef: Hashable, Sendable {
    package var rawValue: UInt32

    package static let maxRows = 1 << 25

    package init(rawValue: UInt32) { self.rawValue = rawValue }

    /// - Precondition: `row < maxRows`, `1 <= day <= 31` (callers check `maxRows` first).
    package init(gateway: Bool, nlp: Bool, day: Int, row: Int) {
        // Invariant: ingest and merge check the row count against maxRows before building refs.
        precondition(row < Self.maxRows && (1...31).contains(day), "dedup reference out of range")
        rawValue = (gateway ? 1 << 31 : 0) | (nlp ? 1 << 30 : 0) | UInt32(day - 1) << 25 | UInt32(row)
    }

    package var isGateway: Bool { rawValue & (1 << 31) != 0 }
    package var isNLP: Bool { rawValue & (1 << 30) != 0 }
    package var day: Int { Int((rawValue >> 25) & 31) + 1 }
    package var row: Int { Int(rawValue & (1 << 25 - 1)) }

    /// The same reference pointing at another row.
    package func with(row: Int) -> DedupRef {
        DedupRef(gateway: isGateway, nlp: isNLP, day: day, row: row)
    }
}
