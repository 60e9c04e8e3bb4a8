import Foundation

extension QuarantineRecord {
    /// `aura-billing quarantine list`'s fields for this record: its stored fields (the value
    /// only `withValue`), `status` (pending or requeued) and `location` (`file:line`).
    package func listingObject(withValue: Bool) -> [String: Any] {
        var object: [String: Any] = [
            "topic": topic, "partition": Int(partition), "offset": Int(offset), "reason": reason, "detail": detail,
            "status": requeued ? "requeued" : "pending", "location": location,
        ]
        if let quarantinedAtMs { object["quarantined_at"] = Int(quarantinedAtMs) }
        if valueTruncated {
            object["value_truncated"] = true
            if let valueBytes { object["value_bytes"] = valueBytes }
            if let valueSHA256 { object["value_sha256"] = valueSHA256 }
        }
        if withValue {
            if let keyBase64 { object["key_base64"] = keyBase64 }
            if let valueBase64 { object["value_base64"] = valueBase64 }
        }
        return object
    }

    /// One line of `list`'s text output.
    package func listingLine(withValue: Bool) -> String {
        var line = "\(id)  \(requeued ? "requeued" : "pending ")  \(reason)"
        line += "  at \(quarantinedAtMs.map(Self.instant) ?? "-")  \(location)"
        if valueTruncated { line += "  value truncated (\(valueBytes ?? 0) bytes)" }
        if !detail.isEmpty { line += "  \(detail)" }
        if withValue { line += "  key \(keyBase64 ?? "-")  value \(valueBase64 ?? "-")" }
        return line
    }

    /// An ISO 8601 UTC instant with milliseconds.
    static func instant(_ ms: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// `list --format json`: one JSON array of `listingObject`s.
    package static func listingJSON(_ records: [QuarantineRecord], withValue: Bool) -> String {
        let objects = records.map { $0.listingObject(withValue: withValue) }
        let data =
            (try? JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
