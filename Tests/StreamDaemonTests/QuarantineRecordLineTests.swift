import Foundation
import Invoicing
import Testing

@testable import StreamDaemon

@Suite("Quarantine record lines")
struct QuarantineRecordLineTests {
    static func line(detail: String, key: [UInt8]?, value: [UInt8], maxValueBytes: Int = 1 << 20) -> [UInt8] {
        value.withUnsafeBytes { value in
            func make(_ key: UnsafeRawBufferPointer?) -> [UInt8] {
                QuarantineRecord.line(
                    topic: "aura.audit", partition: 7, offset: 1_234_567_890_123, reason: "field-too-long",
                    detail: detail, atMs: 1_796_000_000_000, key: key, value: value, maxValueBytes: maxValueBytes)
            }
            guard let key else { return make(nil) }
            return key.withUnsafeBytes { make($0) }
        }
    }

    @Test("a line is one JSON object with sorted keys that parses back to the record, whatever the detail holds")
    func roundTrip() throws {
        let detail = "quote \" backslash \\ newline \n tab \t bell \u{07} nul \u{00} slash / é ✓"
        let value = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let bytes = Self.line(detail: detail, key: Array("interaction-1".utf8), value: value)
        #expect(bytes.last == 0x0A)
        #expect(!bytes.dropLast().contains(0x0A), "one line")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["detail"] as? String == detail)
        #expect(object["offset"] as? Int == 1_234_567_890_123)
        #expect(object["key_base64"] as? String == Data("interaction-1".utf8).base64EncodedString())
        // The keys come in the order `JSONSerialization` with `.sortedKeys` writes them.
        let sorted = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        let reparsed = try #require(try JSONSerialization.jsonObject(with: sorted) as? [String: Any])
        #expect(NSDictionary(dictionary: reparsed).isEqual(to: object))
        let text = String(decoding: bytes, as: UTF8.self)
        let positions = [
            "detail", "key_base64", "offset", "partition", "quarantined_at", "reason", "topic", "value_base64",
        ]
        .map { text.range(of: "\"\($0)\":")!.lowerBound }
        #expect(positions == positions.sorted())
        let record = try QuarantineRecord.parse(Substring(text.dropLast())).get()
        #expect(record.topic == "aura.audit" && record.partition == 7 && record.offset == 1_234_567_890_123)
        #expect(record.detail == detail && record.reason == "field-too-long")
        #expect(record.quarantinedAtMs == 1_796_000_000_000)
        #expect(record.valueBase64 == Data(value).base64EncodedString())
        #expect(!record.valueTruncated)
    }

    @Test("a value over the cap is stored truncated with its length and SHA-256; no key, no key field")
    func truncatedValue() throws {
        let value = [UInt8](repeating: 0x41, count: 5_000)
        let bytes = Self.line(detail: "d", key: nil, value: value, maxValueBytes: 1_024)
        let text = String(decoding: bytes.dropLast(), as: UTF8.self)
        #expect(!text.contains("key_base64"))
        let record = try QuarantineRecord.parse(Substring(text)).get()
        #expect(record.valueTruncated)
        #expect(record.valueBytes == 5_000)
        #expect(record.valueBase64 == Data(value.prefix(1_024)).base64EncodedString())
        #expect(record.valueSHA256 == Digest.sha256Hex(Data(value)))
    }
}
