import Aggregation
import Foundation

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// The generated month the reliability scenarios feed the daemon, with the generator's own
/// totals, and the comparison of the daemon's merged checkpoints against them.
struct ReliabilityMonth: Sendable {
    let messages: [DemoMessage]
    let expected: DemoExpectedTotals

    /// `AURA_RELIABILITY_LONG=1` (scripts/reliability.sh --long): bigger months, more faults.
    static let long = ProcessInfo.processInfo.environment["AURA_RELIABILITY_LONG"] == "1"

    /// A generated October 2026: ~20k events in CI, ~100k with `--long`.
    /// `audit`/`gateway` override the sizes (messages per topic).
    static func make(seed: UInt64, audit: Int? = nil, gateway: Int? = nil) throws -> ReliabilityMonth {
        let audit = audit ?? (long ? 80_000 : 16_000)
        let gateway = gateway ?? (long ? 20_000 : 4_000)
        var generator = try DemoMonthGenerator(seed: seed, month: "2026-10", auditEvents: audit, gatewayEvents: gateway)
        var messages: [DemoMessage] = []
        while let message = generator.next() { messages.append(message) }
        return ReliabilityMonth(messages: messages, expected: generator.expected)
    }

    var zones: OBTimeZones {
        get throws { try OBTimeZones(expected.timeZones) }
    }

    /// Events the generator says are billed (unique valid events: neither duplicate nor corrupt).
    var expectedBilled: Int { expected.audit.unique + expected.gateway.unique }

    /// Every difference between the merged checkpoints and the generator's totals, one line each:
    /// audit rows (ob, period, component, app, service → queries), gateway rows (ob, period, app →
    /// messages, NLP messages), duplicates, quarantined and decoded-record counts.
    /// `extraQuarantined`: bad messages a scenario added to the generator's month.
    func mismatches(_ merged: PartitionState, extraQuarantined: Int = 0) -> [String] {
        var problems: [String] = []
        var audit: [String: Int64] = [:]
        for row in merged.allAuditUsage() {
            audit["\(row.ob)|\(row.period)|\(row.component)|\(row.app ?? "-")|\(row.service)", default: 0] +=
                row.queries
        }
        var expectedAudit: [String: Int64] = [:]
        for g in expected.auditGroups {
            expectedAudit["\(g.ob)|\(g.period)|\(g.component)|\(g.app ?? "-")|\(g.service)", default: 0] += Int64(
                g.queries)
        }
        for key in Set(audit.keys).union(expectedAudit.keys).sorted() where audit[key] != expectedAudit[key] {
            problems.append("audit \(key): daemon \(audit[key] ?? 0), generator \(expectedAudit[key] ?? 0)")
        }
        var gateway: [String: [Int64]] = [:]
        for row in merged.allGatewayUsage() {
            let key = "\(row.ob)|\(row.period)|\(row.app ?? "-")"
            let old = gateway[key] ?? [0, 0]
            gateway[key] = [old[0] + row.messages, old[1] + row.nlpMessages]
        }
        var expectedGateway: [String: [Int64]] = [:]
        for g in expected.requestGroups {
            expectedGateway["\(g.ob)|\(g.period)|\(g.app ?? "-")"] = [Int64(g.messages), Int64(g.nlpMessages)]
        }
        for key in Set(gateway.keys).union(expectedGateway.keys).sorted() where gateway[key] != expectedGateway[key] {
            problems.append("gateway \(key): daemon \(gateway[key] ?? []), generator \(expectedGateway[key] ?? [])")
        }
        let duplicates = Int64(expected.audit.duplicates + expected.gateway.duplicates)
        if merged.duplicates != duplicates {
            problems.append("duplicates: daemon \(merged.duplicates), generator \(duplicates)")
        }
        let corrupt = Int64(expected.audit.corrupt + expected.gateway.corrupt + extraQuarantined)
        if merged.quarantined != corrupt {
            problems.append("quarantined: daemon \(merged.quarantined), generator \(corrupt)")
        }
        let valid = Int64(expected.audit.valid + expected.gateway.valid)
        if merged.records != valid { problems.append("decoded records: daemon \(merged.records), generator \(valid)") }
        return problems
    }
}
