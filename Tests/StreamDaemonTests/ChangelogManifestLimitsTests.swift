import Foundation
import Testing

@testable import StreamDaemon

/// Crafted changelog manifests and state values: every out-of-range number is an error naming the
/// record, never a trap or an allocation sized by the number.
@Suite("Changelog manifest limits")
struct ChangelogManifestLimitsTests {
    static let source = "aura-billing.changelog/0@41"

    /// A manifest record value as `ChangelogStore.publish` writes it, with `overrides` replacing fields.
    static func record(_ overrides: [String: String] = [:]) -> [UInt8] {
        var fields: [String: String] = [
            "chunks": #"[{"offset":7,"partition":16}]"#, "compressed_length": "1200", "crc32": "12345",
            "generation": "3", "length": "4000", "next_offset": "600", "partition": "2", "topic": #""aura.audit""#,
            "version": "1",
        ]
        for (k, v) in overrides { fields[k] = v }
        return Array(
            ("{" + fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}")
                .utf8)
    }

    static func error(_ value: [UInt8]) -> DaemonError? {
        do {
            _ = try ChangelogManifest.decode(value, source: source)
            return nil
        } catch {
            return error
        }
    }

    @Test("a manifest as published decodes; a newer format version is skipped")
    func valid() throws {
        let manifest = try #require(try ChangelogManifest.decode(Self.record(), source: Self.source))
        #expect(manifest.generation == 3 && manifest.length == 4000 && manifest.chunks.count == 1)
        #expect(try ChangelogManifest.decode(Self.record(["version": "3"]), source: Self.source) == nil)
        // A delta (version 2) names an older base of its chain.
        let delta = try #require(
            try ChangelogManifest.decode(
                Self.record([
                    "version": "2", "base": "2", "sequence": "1", "chain": "77", "checkpoint_generation": "5",
                ]), source: Self.source))
        #expect(delta.isDelta && delta.baseGeneration == 2 && delta.checkpointGeneration == 5)
    }

    @Test(
        "UInt64.max and 2^63 generations, counts and lengths of 2^63 and more, negative offsets: errors naming the record"
    )
    func hostileNumbers() {
        let crafted: [[String: String]] = [
            ["generation": "18446744073709551615"],  // UInt64.max: the next publish would overflow
            ["generation": "9223372036854775808"],  // 2^63
            ["generation": "0"],
            ["generation": "18446744073709551616"],  // past UInt64
            ["compressed_length": "9223372036854775808"],  // past Int
            ["compressed_length": "9223372036854775807"],  // Int.max: more than the chunks hold
            ["compressed_length": "-1"],
            ["length": "9223372036854775807"],
            ["length": "68719476737"],  // over 64 GiB
            ["length": "2000000"],  // more than 1032 × the compressed length
            ["length": "-5"],
            ["next_offset": "-1"],
            ["chunks": "[]"],
            ["chunks": #"[{"offset":-1,"partition":16}]"#],
            ["chunks": #"[{"offset":1,"partition":-16}]"#],
            ["partition": "-1"],
            ["topic": #""""#],
            ["version": "0"],
            ["crc32": "4294967296"],
            // Deltas without a version 2, an older base, a chain or a checkpoint generation; a base
            // naming another base.
            ["base": "2", "sequence": "1", "chain": "77", "checkpoint_generation": "5"],
            ["version": "2", "base": "3", "sequence": "1", "chain": "77", "checkpoint_generation": "5"],
            ["version": "2", "base": "0", "sequence": "1", "chain": "77", "checkpoint_generation": "5"],
            ["version": "2", "sequence": "1", "chain": "77", "checkpoint_generation": "5"],
            ["version": "2", "base": "2", "sequence": "1", "checkpoint_generation": "5"],
            ["version": "2", "base": "2", "sequence": "1", "chain": "77"],
            [
                "version": "2", "base": "2", "sequence": "9223372036854775808", "chain": "77",
                "checkpoint_generation": "5",
            ],
            ["base": "2", "sequence": "0"],
        ]
        for overrides in crafted {
            let error = Self.error(Self.record(overrides))
            #expect(error?.code == .checkpoint, "\(overrides)")
            #expect(error?.source == Self.source, "\(overrides)")
        }
    }

    @Test("a state value never inflates into a buffer sized by a length it cannot reach")
    func boundedInflate() throws {
        let state = Array(repeating: UInt8(7), count: 10_000)
        let compressed = try ChangelogCompression.compress(state)
        #expect(try ChangelogCompression.decompress(compressed, length: state.count, source: "x") == state)
        for length in [Int.max, 1 << 40, compressed.count * 1032 + 65, -1] {
            #expect(throws: DaemonError.self) {
                try ChangelogCompression.decompress(compressed, length: length, source: "changelog x generation 3")
            }
        }
    }
}
