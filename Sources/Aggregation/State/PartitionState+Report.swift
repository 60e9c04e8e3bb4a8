extension PartitionState {
    private func optionalString(_ id: UInt32) -> String? {
        id == nullStringID ? nil : strings.string(id)
    }

    private func usage(_ row: AuditRow) -> AuditUsage {
        AuditUsage(
            ob: strings.string(row.ob), period: Period(rawValue: row.period),
            component: strings.string(row.component), app: optionalString(row.app),
            service: ServiceName.name(row.service), queries: row.count,
            billedIn: row.billedIn == 0 ? nil : Period(rawValue: row.billedIn))
    }

    private func usage(_ row: GatewayRow) -> GatewayUsage {
        GatewayUsage(
            ob: strings.string(row.ob), period: Period(rawValue: row.period), app: optionalString(row.app),
            messages: row.messages, nlpMessages: row.nlpMessages,
            billedIn: row.billedIn == 0 ? nil : Period(rawValue: row.billedIn))
    }

    /// On-time audit rows of (ob, period), sorted: what its invoice counts.
    package func auditUsage(ob: String, period: Period) -> [AuditUsage] {
        guard let id = strings.lookup(ob) else { return [] }
        return auditRows.filter { $0.ob == id && $0.period == period.rawValue && $0.billedIn == 0 && $0.count != 0 }
            .map(usage).sorted(by: AuditUsage.ordered)
    }

    /// On-time gateway rows of (ob, period), sorted.
    package func gatewayUsage(ob: String, period: Period) -> [GatewayUsage] {
        guard let id = strings.lookup(ob) else { return [] }
        return gatewayRows.filter {
            $0.ob == id && $0.period == period.rawValue && $0.billedIn == 0 && $0.messages != 0
        }
        .map(usage).sorted(by: GatewayUsage.ordered)
    }

    /// Late audit rows the invoice of (ob, `billedIn`) bills as adjustments; each row's
    /// `period` is the original period.
    package func lateAuditUsage(ob: String, billedIn: Period) -> [AuditUsage] {
        guard let id = strings.lookup(ob) else { return [] }
        return auditRows.filter { $0.ob == id && $0.billedIn == billedIn.rawValue && $0.count != 0 }
            .map(usage).sorted(by: AuditUsage.ordered)
    }

    /// Late gateway rows billed on the invoice of (ob, `billedIn`).
    package func lateGatewayUsage(ob: String, billedIn: Period) -> [GatewayUsage] {
        guard let id = strings.lookup(ob) else { return [] }
        return gatewayRows.filter { $0.ob == id && $0.billedIn == billedIn.rawValue && $0.messages != 0 }
            .map(usage).sorted(by: GatewayUsage.ordered)
    }

    /// Every non-empty audit row (on-time and late, each separately), sorted.
    package func allAuditUsage() -> [AuditUsage] {
        auditRows.filter { $0.count != 0 }.map(usage).sorted(by: AuditUsage.ordered)
    }

    /// Every non-empty gateway row, sorted.
    package func allGatewayUsage() -> [GatewayUsage] {
        gatewayRows.filter { $0.messages != 0 }.map(usage).sorted(by: GatewayUsage.ordered)
    }

    /// Audit queries kept of the compacted periods of `ob` (every OB when nil), sorted: the
    /// original quantities late rows still held are priced against.
    package func retainedUsage(ob: String? = nil) -> [RetainedUsage] {
        var id: UInt32?
        if let ob {
            guard let found = strings.lookup(ob) else { return [] }
            id = found
        }
        return retained.compactMap { key, queries -> RetainedUsage? in
            guard id == nil || key.ob == id else { return nil }
            return RetainedUsage(
                ob: strings.string(key.ob), period: Period(rawValue: key.period),
                component: strings.string(key.component),
                billedIn: key.billedIn == 0 ? nil : Period(rawValue: key.billedIn), queries: queries)
        }.sorted(by: RetainedUsage.ordered)
    }

    /// Statistics of (ob, period), if the state has events for it.
    package func summary(ob: String, period: Period) -> PeriodSummary? {
        guard let id = strings.lookup(ob), let row = findStats(PeriodKey(ob: id, period: period.rawValue)) else {
            return nil
        }
        return summary(row: row)
    }

    func summary(row i: Int) -> PeriodSummary {
        let row = stats[i]
        return PeriodSummary(
            ob: strings.string(row.ob), period: Period(rawValue: row.period),
            firstEventMs: row.firstEventMs, lastEventMs: row.lastEventMs, events: row.events,
            duplicates: row.duplicates, late: row.late,
            eventsPerDay: Array(dayCounts[i * 31..<(i + 1) * 31]))
    }

    /// Everything the state means, with strings resolved and in a canonical order: two states
    /// with equal snapshots bill and behave the same (used by merge and checkpoint tests).
    package func snapshot() -> StateSnapshot {
        var keys: [Fingerprint: String] = [:]
        keys.reserveCapacity(dedup.count)
        dedup.forEach { fp, raw in
            let ref = DedupRef(rawValue: raw)
            let description: String
            if ref.isGateway {
                let u = usage(gatewayRows[ref.row])
                description =
                    "G \(u.ob) \(u.period) \(u.app ?? "∅") \(u.billedIn.map(\.description) ?? "-") nlp=\(ref.isNLP) day=\(ref.day)"
            } else {
                let u = usage(auditRows[ref.row])
                description =
                    "A \(u.ob) \(u.period) \(u.component) \(u.app ?? "∅") \(u.service) \(u.billedIn.map(\.description) ?? "-") day=\(ref.day)"
            }
            keys[fp] = description
        }
        return StateSnapshot(
            audit: allAuditUsage(), gateway: allGatewayUsage(),
            summaries: stats.indices.map { summary(row: $0) }.sorted { ($0.ob, $0.period) < ($1.ob, $1.period) },
            closed: (closed.map { "\(strings.string($0.ob)) \(Period(rawValue: $0.period))" }
                + closedThrough.map { "\(strings.string($0.key)) ≤\(Period(rawValue: $0.value))" }).sorted(),
            partitions: partitions.sorted { $0.key < $1.key }, retained: retainedUsage(),
            records: records, duplicates: duplicates, late: late, quarantined: quarantined, dedupKeys: keys)
    }
}

/// See `PartitionState.snapshot()`.
package struct StateSnapshot: Equatable, Sendable {
    package var audit: [AuditUsage]
    package var gateway: [GatewayUsage]
    package var summaries: [PeriodSummary]
    package var closed: [String]
    package var partitions: [PartitionProgress]
    /// Queries kept of compacted periods.
    package var retained: [RetainedUsage]
    package var records: Int64
    package var duplicates: Int64
    package var late: Int64
    package var quarantined: Int64
    /// Every dedup key with a description of the row and day it points at.
    package var dedupKeys: [Fingerprint: String]
}
