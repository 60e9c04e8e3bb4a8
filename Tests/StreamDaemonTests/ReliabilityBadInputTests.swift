import Aggregation
import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Issue 9, bad input (the deterministic CI corpus): every malformation the Avro issue lists —
/// the generator's two `.bad.frames` corpora, 48 frames of 12 kinds — mixed at seeded random
/// places into a generated month on the audit topic. The daemon quarantines each bad frame with
/// the reason its kind must give, counts every good message exactly, and keeps running.
/// (libFuzzer's million inputs over the same decoder: `scripts/reliability.sh --long`.)
@Suite("Reliability: bad input", .serialized)
struct ReliabilityBadInputTests {
    static let fixtures = DaemonHarness.root.appendingPathComponent("Tests/AvroTests/Fixtures")
    static let corpora = ["audit-2k.frames", "audit-2k.null.avro"]

    /// The quarantine reason (the AvroError code's kebab-case raw value) each kind of the datagen
    /// manifests must produce (the mapping AvroTests' FrameDecoderTests check at the decoder
    /// level). A kind names the malformation in snake_case, a reason names the error: where the
    /// two name the same thing the reason is the kind with `-` for `_`.
    static let expectedReason: [String: String] = [
        "truncated_body": "truncated",
        "truncated_header": "truncated",
        "wrong_magic": "wrong-magic",
        "unknown_schema_id": "unknown-schema-id",
        "invalid_union_index": "invalid-union-index",
        "negative_string_length": "invalid-length",
        "string_length_past_end": "truncated",
        "overlong_varint": "overlong-varint",
        "varint_over_64_bits": "overlong-varint",
        "invalid_utf8": "invalid-utf8",
        "invalid_enum_index": "invalid-enum-index",
        "invalid_boolean": "invalid-boolean",
        "trailing_bytes": "trailing-bytes",
    ]

    struct BadFrame {
        let name: String
        let kind: String
        let value: [UInt8]
    }

    /// Both corpora: length-prefixed frames (4-byte big-endian length) with their manifests.
    static func corpus() throws -> [BadFrame] {
        var frames: [BadFrame] = []
        for corpus in corpora {
            let bytes = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("\(corpus).bad.frames")))
            let manifest = try JSONSerialization.jsonObject(
                with: Data(contentsOf: fixtures.appendingPathComponent("\(corpus).bad.json")))
            let entries = try #require((manifest as? [String: Any])?["frames"] as? [[String: Any]])
            var at = 0
            for entry in entries {
                try #require(at + 4 <= bytes.count, "\(corpus).bad.frames ends early")
                let length = bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) }
                try #require(at + 4 + length <= bytes.count, "\(corpus).bad.frames: frame past the end")
                let kind = try #require(entry["kind"] as? String)
                frames.append(
                    BadFrame(
                        name: "\(corpus)#\(entry["index"] ?? "?")", kind: kind,
                        value: Array(bytes[(at + 4)..<(at + 4 + length)])))
                at += 4 + length
            }
            #expect(at == bytes.count, "\(corpus).bad.frames has bytes its manifest does not list")
        }
        return frames
    }

    @Test(
        "every malformation of the Avro issue mixed into a generated month: each quarantined with its kind's reason, every good message counted"
    )
    func malformedFramesAmongGoodOnes() throws {
        let month = try ReliabilityMonth.make(seed: 33, audit: 8_000, gateway: 2_000)
        let bad = try Self.corpus()
        #expect(Set(bad.map(\.kind)).count == 12, "the corpora cover the 12 kinds of the Avro issue")
        for frame in bad { #expect(Self.expectedReason[frame.kind] != nil, "unmapped kind \(frame.kind)") }

        // Seeded places among the month's messages, on the audit topic.
        var messages = month.messages
        var random = SplitMix64(seed: 48)
        for (i, frame) in bad.enumerated() {
            let at = Int(random.next() % UInt64(messages.count + 1))
            messages.insert(
                DemoMessage(topic: .audit, key: Array("bad-\(i)".utf8), value: frame.value, corruption: nil), at: at)
        }
        var outcome = ReliabilityOutcome("bad-input-corpus")
        outcome.eventsIn = messages.count
        outcome.faults = bad.count + month.messages.filter(\.isCorrupt).count

        let harness = try DaemonHarness()
        try harness.produce(messages)
        try harness.start(environment: DaemonHarness.reliabilityEnvironment())
        outcome.runs += 1
        #expect(harness.waitCaughtUp(messages.count), "not caught up:\n\(harness.log)")
        #expect(harness.stop(signal: SIGTERM) == 0, "graceful stop failed:\n\(harness.log)")

        // Every good message counted, every bad one (ours and the generator's) quarantined.
        let merged = try harness.mergedCheckpoints(zones: month.zones)
        var problems = month.mismatches(merged, extraQuarantined: bad.count)

        // The quarantine file names each bad frame (by its bytes) with its kind's reason.
        let quarantine = try String(
            contentsOf: harness.directory.appendingPathComponent("quarantine.jsonl"), encoding: .utf8)
        var reasons: [String: [String]] = [:]
        for line in quarantine.split(separator: "\n") {
            let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let value = try #require(record["value_base64"] as? String)
            reasons[value, default: []].append(record["reason"] as? String ?? "")
        }
        for frame in bad {
            let found = reasons[Data(frame.value).base64EncodedString()] ?? []
            let expected = Self.expectedReason[frame.kind] ?? "?"
            if !found.contains(expected) {
                problems.append("\(frame.name) \(frame.kind): quarantined as \(found), expected \(expected)")
            }
        }
        let generatorCorrupt = month.messages.filter(\.isCorrupt)
        for message in generatorCorrupt
        where (reasons[Data(message.value).base64EncodedString()] ?? []).allSatisfy(\.isEmpty) {
            problems.append("generator's \(message.corruption?.rawValue ?? "?") frame not quarantined with a reason")
        }
        #expect(
            reasons.values.reduce(0) { $0 + $1.count } == bad.count + generatorCorrupt.count,
            "one quarantine record per bad message")
        #expect(problems.isEmpty, "\(problems.prefix(20).joined(separator: "\n"))")

        harness.fill(&outcome, merged: merged)
        outcome.mismatches = problems.count
        outcome.detail =
            "\(bad.count) corpus frames of \(Set(bad.map(\.kind)).count) kinds + \(generatorCorrupt.count) generator-corrupted, each quarantined with its kind's reason"
        outcome.record()
    }
}
