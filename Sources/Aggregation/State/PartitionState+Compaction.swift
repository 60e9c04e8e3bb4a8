/// Compaction of retired periods: what stays of a closed period once it is past its late
/// horizon (`PartitionState+Retention.swift`), so that a state running for months stays the
/// size of the periods still open or inside their horizon.
///
/// A retired period takes no event any more (refused as `beyond-late-horizon`) and its own
/// invoice is never rendered again (closers refuse it), so its dedup keys, statistics and
/// per-app/service rows have no use. What can still be billed is its *late* rows whose invoice
/// period (`billedIn`) is not retired: they stay as they are, and pricing their adjustment needs
/// the retired period's original queries per component (tiered prices), so the queries of its
/// dropped audit rows are kept summed per (OB, period, component, billedIn) in `retained` —
/// for as long as such a late row is held, then they go too. Gateway rows need no summary: the
/// request price has no tiers. Strings no row, statistic, closed mark or summary names any
/// more are released.
///
/// Rows, statistics and strings are renumbered, so the dedup references of the keys kept are
/// remapped in the same pass, once per retirement (never per event), and `layoutEpoch` is
/// bumped. Arrays, row indexes and strings are rebuilt at their new size, so they do not keep
/// the capacity of the periods that left; the dedup table keeps room for the keys it held (see
/// `compact`), the size it grows back to by the next retirement.
extension PartitionState {
    /// Compacts every period `isPast` says is retired (closed and past its horizon; called at
    /// most once per (OB, period) and pass) and returns how many dedup keys were dropped:
    /// - dedup keys of rows of a retired period;
    /// - rows of a retired period whose `billedIn` is 0 or retired too (audit queries summed
    ///   into `retained`), statistics rows (and day counts) of retired periods;
    /// - `retained` entries of periods with no late audit row left;
    /// - `closed` marks that `closedThrough` covers; strings nothing names.
    mutating func compact(isPast: (PeriodKey) -> Bool) -> Int {
        func dropped(ob: UInt32, period: Int32, billedIn: Int32) -> Bool {
            isPast(PeriodKey(ob: ob, period: period))
                && (billedIn == 0 || isPast(PeriodKey(ob: ob, period: billedIn)))
        }
        // Rows: keep or sum into `retained`; `auditMap[old]` = new index or -1.
        var auditMap = [Int32](repeating: -1, count: auditRows.count)
        var keptAudit: [AuditRow] = []
        var lateHeld: Set<PeriodKey> = []  // retired periods with a late audit row still held
        var summed = retained
        for (i, row) in auditRows.enumerated() {
            if dropped(ob: row.ob, period: row.period, billedIn: row.billedIn) {
                guard row.count != 0 else { continue }
                let key = RetainedUsageKey(
                    ob: row.ob, component: row.component, period: row.period, billedIn: row.billedIn)
                summed[key, default: 0] += row.count
            } else {
                auditMap[i] = Int32(keptAudit.count)
                keptAudit.append(row)
                if isPast(PeriodKey(ob: row.ob, period: row.period)) {
                    lateHeld.insert(PeriodKey(ob: row.ob, period: row.period))
                }
            }
        }
        var gatewayMap = [Int32](repeating: -1, count: gatewayRows.count)
        var keptGateway: [GatewayRow] = []
        for (i, row) in gatewayRows.enumerated() where !dropped(ob: row.ob, period: row.period, billedIn: row.billedIn)
        {
            gatewayMap[i] = Int32(keptGateway.count)
            keptGateway.append(row)
        }
        summed = summed.filter { lateHeld.contains(PeriodKey(ob: $0.key.ob, period: $0.key.period)) }

        // Dedup: a key of a retired period goes (its row may stay, as a late row); the others
        // point at their row's new index.
        let before = dedup.count
        var table = dedup
        dedup = DedupTable()  // release the reference so the rebuild does not copy
        // Sized for the keys held before: in a steady flow the keys grow back to that by the next
        // retirement, and a table rebuilt smaller would double (and rehash) on the way every time.
        table.compact(minimumCount: before) { raw in
            let ref = DedupRef(rawValue: raw)
            guard !isPast(periodKey(of: ref)) else { return nil }
            let mapped = ref.isGateway ? gatewayMap[ref.row] : auditMap[ref.row]
            // Invariant: a row of a period that is not retired is never dropped (see `dropped`).
            precondition(mapped >= 0, "a kept dedup key points at a dropped row")
            return ref.with(row: Int(mapped)).rawValue
        }
        dedup = table

        // Statistics.
        var keptStats: [PeriodStatsRow] = []
        var keptDays: [Int64] = []
        for (i, row) in stats.enumerated() where !isPast(PeriodKey(ob: row.ob, period: row.period)) {
            keptStats.append(row)
            keptDays.append(contentsOf: dayCounts[i * 31..<(i + 1) * 31])
        }

        auditRows = Array(keptAudit)  // exact capacity: the arrays of the retired rows are freed
        gatewayRows = Array(keptGateway)
        stats = Array(keptStats)
        dayCounts = Array(keptDays)
        retained = summed
        closed = closed.filter { key in !(closedThrough[key.ob].map { key.period <= $0 } ?? false) }
        releaseUnusedStrings()
        layoutEpoch &+= 1
        // Invariant: rows and statistics were filtered from unique keys with interned ids, and
        // the strings remapped consistently, so the indexes rebuild.
        precondition(rebuildIndexes(), "compaction left rows that do not index")
        return before - dedup.count
    }

    /// Rebuilds the string table with only the strings rows, statistics, closed marks and
    /// retained summaries name, renumbering every id (in their old order). Calendars by id are
    /// reset (`rebuildIndexes`, which the caller runs next).
    mutating func releaseUnusedStrings() {
        var used = [Bool](repeating: false, count: strings.count)
        func use(_ id: UInt32) { if id != nullStringID { used[Int(id)] = true } }
        for row in auditRows {
            use(row.ob)
            use(row.component)
            use(row.app)
        }
        for row in gatewayRows {
            use(row.ob)
            use(row.app)
        }
        for row in stats { use(row.ob) }
        for key in closed { use(key.ob) }
        for ob in closedThrough.keys { use(ob) }
        for key in retained.keys {
            use(key.ob)
            use(key.component)
        }
        guard used.contains(false) else { return }
        var table = InternTable()
        var map = [UInt32](repeating: nullStringID, count: strings.count)
        for id in used.indices where used[id] {
            map[id] = strings.withBytes(UInt32(id)) { table.intern($0) }
        }
        func mapped(_ id: UInt32) -> UInt32 { id == nullStringID ? nullStringID : map[Int(id)] }
        for i in auditRows.indices {
            auditRows[i].ob = mapped(auditRows[i].ob)
            auditRows[i].component = mapped(auditRows[i].component)
            auditRows[i].app = mapped(auditRows[i].app)
        }
        for i in gatewayRows.indices {
            gatewayRows[i].ob = mapped(gatewayRows[i].ob)
            gatewayRows[i].app = mapped(gatewayRows[i].app)
        }
        for i in stats.indices { stats[i].ob = mapped(stats[i].ob) }
        closed = Set(closed.map { PeriodKey(ob: mapped($0.ob), period: $0.period) })
        closedThrough = Dictionary(uniqueKeysWithValues: closedThrough.map { (mapped($0.key), $0.value) })
        retained = Dictionary(
            uniqueKeysWithValues: retained.map { key, queries in
                (
                    RetainedUsageKey(
                        ob: mapped(key.ob), component: mapped(key.component), period: key.period,
                        billedIn: key.billedIn),
                    queries
                )
            })
        strings = table
    }
}
