import Aggregation
import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Two `aura-billing run` processes in one consumer group, sharing one state directory.
@Suite("Daemon consumer group", .serialized)
struct DaemonGroupTests {
    /// Next-offset gauges of one instance, by label set (the partitions it owns); nil while its
    /// HTTP server is not up.
    static func owned(_ harness: DaemonHarness, port: Int) -> [String: Double]? {
        harness.samples("aura_partition_next_offset", port: port)
    }

    @Test(
        "two daemon instances in one group on this machine (one checkpoint file per partition in a shared state directory) split the partitions, hand them over on rebalance, and their merged states match"
    )
    func twoInstancesSplitAndHandOver() throws {
        var generator = try DemoMonthGenerator(seed: 23, month: "2026-10", auditEvents: 12_000, gatewayEvents: 3_000)
        var messages: [DemoMessage] = []
        while let message = generator.next() { messages.append(message) }
        let expected = generator.expected
        let harness = try DaemonHarness(auditPartitions: 8, gatewayPartitions: 4)
        let partitions = 8 + 4
        let half = messages.count / 2
        let a = harness.httpPort

        // 1. A alone consumes the first half.
        try harness.produce(Array(messages[..<half]))
        try harness.start()
        #expect(
            harness.wait(seconds: 30) { harness.metric("aura_partition_next_offset", port: a) == Double(half) },
            "A did not consume the first half:\n\(harness.log)")
        #expect(Self.owned(harness, port: a)?.count == partitions)

        // 2. B joins: after the rebalance each owns a non-empty, disjoint share covering all.
        try harness.startPeer()
        let b = harness.peerHTTPPort
        var split: (a: Set<String>, b: Set<String>) = ([], [])
        let rebalanced = harness.wait(seconds: 30) {
            guard let ownedA = Self.owned(harness, port: a), let ownedB = Self.owned(harness, port: b) else {
                return false
            }
            split = (Set(ownedA.keys), Set(ownedB.keys))
            return !split.a.isEmpty && !split.b.isEmpty && split.a.isDisjoint(with: split.b)
                && split.a.count + split.b.count == partitions
        }
        #expect(
            rebalanced,
            "no split: A \(split.a.sorted()) B \(split.b.sorted())\nA:\n\(harness.log)\nB:\n\(harness.peerLog)")

        // 3. The rest, consumed by the two together.
        try harness.produce(Array(messages[half...]))
        var sums: (a: Double, b: Double) = (0, 0)
        let together = harness.wait(seconds: 30) {
            sums = (
                harness.metric("aura_partition_next_offset", port: a) ?? 0,
                harness.metric("aura_partition_next_offset", port: b) ?? 0
            )
            return sums.a + sums.b == Double(messages.count)
        }
        #expect(together, "A \(sums.a) + B \(sums.b) != \(messages.count)\nA:\n\(harness.log)\nB:\n\(harness.peerLog)")
        // Both read part of the second half (keys spread it over every partition).
        #expect((harness.metric("aura_events_consumed_total", port: b) ?? 0) > 0, "B read nothing")
        #expect(
            (harness.metric("aura_events_consumed_total", port: a) ?? 0) > Double(half), "A read nothing after B joined"
        )

        // 4. B leaves gracefully; A takes its partitions back from B's checkpoints.
        #expect(harness.stopPeer(signal: SIGTERM) == 0, "B did not stop cleanly:\n\(harness.peerLog)")
        #expect(
            harness.wait(seconds: 30) {
                Self.owned(harness, port: a)?.count == partitions
                    && harness.metric("aura_partition_next_offset", port: a) == Double(messages.count)
            },
            "A did not take B's partitions back:\n\(harness.log)")
        #expect(harness.stop(signal: SIGTERM) == 0, "A did not stop cleanly:\n\(harness.log)")

        // The checkpoints in the shared directory, merged, equal the generator's count exactly.
        let merged = try harness.mergedCheckpoints(zones: OBTimeZones(expected.timeZones))
        let problems = ReliabilityMonth(messages: messages, expected: expected).mismatches(merged)
        #expect(problems.isEmpty, "\(problems.prefix(20).joined(separator: "\n"))")
        // One checkpoint name per partition, every one at the end offset of its partition.
        #expect(merged.partitions.count == partitions)
        #expect(merged.partitions.reduce(0) { $0 + $1.nextOffset } == Int64(messages.count))
    }
}
