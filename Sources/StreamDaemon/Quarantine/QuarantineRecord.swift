import Foundation
import Invoicing

/// One line of the quarantine: a message the daemon could not count, with where it came from,
/// why, when, and its bytes (base64).
///
/// The line (JSON, sorted keys): `topic`, `partition`, `offset`, `reason`, `detail`,
/// `quarantined_at` (Unix ms), `key_base64` (when the message had a key), `value_base64`; a value
/// longer than `QuarantineLimits.maxValueBytes` is stored truncated, with `value_truncated`
/// true, `value_bytes` (its full length) and `value_sha256` (of the full value). Records written
/// before `quarantined_at` and `key_base64` existed still read (those fields nil).
package struct QuarantineRecord: Sendable, Equatable {
    package var topic: String
    package var partition: Int32
    package var offset: Int64
    package var reason: String
    package var detail: String
    /// When it was quarantined (Unix ms); nil in records of older daemons.
    package var quarantinedAtMs: Int64?
    package var keyBase64: String?
    /// The stored value (all of it unless `valueTruncated`); nil when the line has none.
    package var valueBase64: String?
    package var valueTruncated = false
    /// The original value's length, when truncated.
    package var valueBytes: Int?
    /// The original value's SHA-256 (hex), when truncated.
    package var valueSHA256: String?
    /// `file:line` where the reader found it (empty for records not read from a file).
    package var location = ""
    /// Marked in the `.requeued` file (set by `QuarantineReader`).
    package var requeued = false

    package init(
        topic: String, partition: Int32, offset: Int64, reason: String, detail: String, quarantinedAtMs: Int64?,
        keyBase64: String?, valueBase64: String?
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.reason = reason
        self.detail = detail
        self.quarantinedAtMs = quarantinedAtMs
        self.keyBase64 = keyBase64
        self.valueBase64 = valueBase64
    }

    /// The record's identity: a crash can append the same record twice; readers keep one.
    package var id: QuarantineRecordID { QuarantineRecordID(topic: topic, partition: partition, offset: offset) }

    /// The line of a message being quarantined now (with its newline); `value` beyond `maxValueBytes`
    /// is stored truncated.
    static func line(
        topic: String, partition: Int32, offset: Int64, reason: String, detail: String, atMs: Int64,
        key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer, maxValueBytes: Int
    ) -> [UInt8] {
        // Written by hand, keys in sorted order (as `JSONSerialization` with `.sortedKeys` would):
        // this runs once per quarantined message on the consumer thread, where a JSON object
        // graph cost ten times the counting of an event.
        var line: [UInt8] = []
        line.reserveCapacity(160 + detail.utf8.count + (min(value.count, maxValueBytes) + 2) / 3 * 4)
        line.append(contentsOf: #"{"detail":"#.utf8)
        Self.appendJSONString(detail, to: &line)
        if let key, key.baseAddress != nil {
            line.append(contentsOf: #","key_base64":""#.utf8)
            line.append(contentsOf: Data(key).base64EncodedString().utf8)
            line.append(UInt8(ascii: "\""))
        }
        line.append(contentsOf: ",\"offset\":\(offset),\"partition\":\(partition),\"quarantined_at\":\(atMs),".utf8)
        line.append(contentsOf: #""reason":"#.utf8)
        Self.appendJSONString(reason, to: &line)
        line.append(contentsOf: #","topic":"#.utf8)
        Self.appendJSONString(topic, to: &line)
        line.append(contentsOf: #","value_base64":""#.utf8)
        if value.count > maxValueBytes {
            // A view of `value`'s first bytes, used within this call only.
            let kept = UnsafeRawBufferPointer(rebasing: value[0..<max(0, maxValueBytes)])
            line.append(contentsOf: Data(kept).base64EncodedString().utf8)
            line.append(contentsOf: "\",\"value_bytes\":\(value.count),\"value_sha256\":\"".utf8)
            line.append(contentsOf: Digest.sha256Hex(Data(value)).utf8)
            line.append(contentsOf: #"","value_truncated":true}"#.utf8)
        } else {
            line.append(contentsOf: Data(value).base64EncodedString().utf8)
            line.append(contentsOf: #""}"#.utf8)
        }
        line.append(0x0A)
        return line
    }

    /// Appends `text` as a JSON string literal (RFC 8259: `"` and `\` escaped, control characters
    /// as `\u00XX`; everything else as its UTF-8 bytes).
    static func appendJSONString(_ text: String, to line: inout [UInt8]) {
        line.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                line.append(UInt8(ascii: "\\"))
                line.append(byte)
            case UInt8(ascii: "\n"): line.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\t"): line.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                line.append(contentsOf: #"\u00"#.utf8)
                line.append(hex[Int(byte >> 4)])
                line.append(hex[Int(byte & 0xF)])
            default: line.append(byte)
            }
        }
        line.append(UInt8(ascii: "\""))
    }

    /// Parses one line; nil with the reason when it is not a quarantine record.
    static func parse(_ line: Substring) -> Result<QuarantineRecord, QuarantineLineError> {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)),
            let fields = object as? [String: Any]
        else { return .failure(QuarantineLineError("not a JSON object")) }
        guard let topic = fields["topic"] as? String, !topic.isEmpty else {
            return .failure(QuarantineLineError("no topic"))
        }
        guard let partition = integer(fields["partition"]).flatMap({ Int32(exactly: $0) }) else {
            return .failure(QuarantineLineError("no partition"))
        }
        guard let offset = integer(fields["offset"]), offset >= 0 else {
            return .failure(QuarantineLineError("no offset"))
        }
        var record = QuarantineRecord(
            topic: topic, partition: partition, offset: offset, reason: fields["reason"] as? String ?? "",
            detail: fields["detail"] as? String ?? "", quarantinedAtMs: integer(fields["quarantined_at"]),
            keyBase64: fields["key_base64"] as? String, valueBase64: fields["value_base64"] as? String)
        record.valueTruncated = (fields["value_truncated"] as? Bool) ?? false
        record.valueBytes = integer(fields["value_bytes"]).flatMap { Int(exactly: $0) }
        record.valueSHA256 = fields["value_sha256"] as? String
        return .success(record)
    }
}

/// A JSON integer as Foundation decodes it (Int or NSNumber), nil for anything else.
private func integer(_ value: Any?) -> Int64? {
    if let value = value as? Int { return Int64(value) }
    if let value = value as? Int64 { return value }
    if let value = value as? NSNumber, let exact = Int64(exactly: value.doubleValue) { return exact }
    return nil
}
