/// The datagen's `peer_check`: rows grouped by (OB, first 7 characters of the timestamp,
/// component, app); checksum = Σ fnv1a64("OB\tYYYY-MM\tCOMPONENT\tAPP") × count mod 2^64, null
/// written as `\N`.
struct PeerChecksum {
    private(set) var rows = 0
    private(set) var groups: [String: Int] = [:]

    /// Adds one row; nil means null.
    mutating func add(ob: String, timestamp: String, component: String?, app: String?) {
        let key = [ob, String(timestamp.prefix(7)), component ?? "\\N", app ?? "\\N"].joined(separator: "\t")
        groups[key, default: 0] += 1
        rows += 1
    }

    static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }

    /// The checksum as 16 lowercase hex digits, as in the truth file.
    var checksum: String {
        var sum: UInt64 = 0
        for (key, count) in groups { sum = sum &+ Self.fnv1a64(key) &* UInt64(count) }
        let hex = String(sum, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
