import StreamDaemon

/// A deterministic synthetic month of Aura traffic for `aura-billing demo` and the tests:
/// Confluent-framed Avro messages for the audit and gateway topics, and the totals a correct
/// pipeline must report for them (`expected`).
///
/// The month (a function of `seed` and the sizes only):
/// - 12 OBs with skewed volume (ESP 27 %, BRA 25 %, … URY 1.5 %), 39 apps with Zipf
///   popularity per OB, 60 components (Zipf), 1–4 audit rows per interaction a few hundred ms
///   apart, sharing INTERACTION_ID;
/// - each OB's events spread over its own local calendar month, in stream order, 10 % of them
///   within 3 h of the local month start or end; a few interactions start in the last 0.6 s of
///   the month so their later rows fall in the next month; timestamps written with the OB's UTC
///   offset at that instant (IANA rules, DST included), 1 % in UTC (`Z`); DAY_DT is the written
///   date;
/// - about 1 % exact re-sends of earlier messages: 15 % right after the original, the others
///   1–50, 50–5000 messages or up to the whole topic later, some re-sent more than once;
/// - late rows: about 0.5 % of the interactions after the first quarter of the stream belong to
///   the previous local month (half in its last 6 h, half in its last 3 days);
/// - one corrupt frame per 5,000 messages (at least 3 per topic of 1,000 messages or more):
///   truncated, wrong magic byte, invalid union index, in turn.
///
/// Generation needs no Foundation per event: zone offsets are precomputed per OB
/// (`DemoZoneTable`), Avro fragments are pre-encoded, timestamps are formatted by hand.
struct DemoMonthGenerator {
    /// Writer schema id of Aura_Audit v1 frames (Aura_Audit.avsc).
    static let auditSchemaID: Int32 = 1
    /// Writer schema id of Aura_Gateway_Message frames (Aura_Gateway_Message.avsc).
    static let gatewaySchemaID: Int32 = 3

    // Rates of the month's features (see the type's documentation).
    static let duplicateRate = 0.01
    static let resendAgainRate = 0.1
    static let lateRate = 0.005
    static let edgeShare = 0.10
    static let edgeMilliseconds: Int64 = 3 * 3_600_000
    static let straddleRate = 0.02
    static let utcWrittenRate = 0.01
    static let nullAppRate = 0.005
    static let messagesPerCorruptFrame = 5000

    let seed: UInt64
    /// The target month, `YYYY-MM`.
    let month: String
    let targetMonthIndex: Int  // year * 12 + month - 1
    var random: DemoRandom
    let zones: [DemoZoneTable]
    let obPicker: DemoWeightedPicker
    let obApps: [[Int]]
    let appPickers: [DemoWeightedPicker]
    let componentPicker: DemoWeightedPicker
    let componentByRank: [Int]
    let gatewayComponents: [Int]
    let componentsPerInteraction = DemoWeightedPicker(weights: [0.40, 0.30, 0.20, 0.10])
    let fragments: DemoFragments
    var streams: [StreamState]
    var counter = DemoTotalsCounter()
    var scratch: [UInt8] = []
    var idCounter: UInt64 = 0

    /// - Parameters:
    ///   - seed: everything generated is a function of the seed and the other arguments.
    ///   - month: target month `YYYY-MM` (each OB's local calendar month).
    ///   - auditEvents: messages on the audit topic (duplicates, late and corrupt included).
    ///   - gatewayEvents: messages on the gateway topic (same).
    /// - Throws: `DaemonError(.usage)` for a malformed month or negative sizes.
    init(seed: UInt64, month: String, auditEvents: Int, gatewayEvents: Int) throws(DaemonError) {
        let parts = month.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
            let year = Int(parts[0]), let monthNumber = Int(parts[1]),
            (1971...9998).contains(year), (1...12).contains(monthNumber)
        else {
            throw DaemonError(.usage, "demo month must be YYYY-MM, got \"\(month)\"")
        }
        guard auditEvents >= 0, gatewayEvents >= 0 else {
            throw DaemonError(.usage, "demo event counts must not be negative")
        }
        self.seed = seed
        self.month = month
        targetMonthIndex = year * 12 + monthNumber - 1
        random = DemoRandom(seed: seed)
        var zones: [DemoZoneTable] = []
        for ob in DemoCatalogue.operatingBusinesses {
            zones.append(try DemoZoneTable(identifier: ob.timeZone, year: year, month: monthNumber))
        }
        self.zones = zones
        obPicker = DemoWeightedPicker(weights: DemoCatalogue.operatingBusinesses.map(\.weight))

        // Popularity orders are shuffled by the seed: apps within each OB, components overall.
        var apps: [[Int]] = Array(repeating: [], count: DemoCatalogue.operatingBusinesses.count)
        for (index, app) in DemoCatalogue.apps.enumerated() { apps[app.ob].append(index) }
        for i in apps.indices { Self.shuffle(&apps[i], &random) }
        obApps = apps
        appPickers = apps.map { DemoWeightedPicker(zipfCount: $0.count, exponent: 1.0) }
        var ranks = Array(DemoCatalogue.components.indices)
        Self.shuffle(&ranks, &random)
        componentByRank = ranks
        componentPicker = DemoWeightedPicker(zipfCount: ranks.count, exponent: 1.05)
        gatewayComponents = DemoCatalogue.components.indices.filter { DemoCatalogue.components[$0].type == "gateway" }
        fragments = DemoFragments()
        streams = [StreamState(topic: .audit, total: auditEvents), StreamState(topic: .gateway, total: gatewayEvents)]
        for k in streams.indices { streams[k].placeCorruptFrames(&random) }
        scratch.reserveCapacity(1024)
    }

    /// The next message, or nil after the last one. Topics are interleaved in proportion to
    /// their sizes, so both progress through the month together.
    mutating func next() -> DemoMessage? {
        let a = streams[0]
        let g = streams[1]
        let k: Int
        if a.emitted < a.total, g.emitted < g.total {
            // The topic that is less far through its messages goes next.
            k = a.emitted * g.total <= g.emitted * a.total ? 0 : 1
        } else if a.emitted < a.total {
            k = 0
        } else if g.emitted < g.total {
            k = 1
        } else {
            return nil
        }
        return emit(k)
    }

    /// Totals of everything emitted so far: complete once `next()` has returned nil.
    var expected: DemoExpectedTotals {
        let obs = DemoCatalogue.operatingBusinesses
        let components = DemoCatalogue.components
        let apps = DemoCatalogue.apps
        func period(_ biased: Int) -> String {
            let index = targetMonthIndex + biased - 8
            let m = index % 12 + 1
            return "\(index / 12)-\(m < 10 ? "0" : "")\(m)"
        }
        var auditGroups: [DemoExpectedTotals.AuditGroup] = []
        for (key, n) in counter.auditGroups {
            let (ob, rel, component, app, service) = DemoTotalsCounter.unpack(key)
            auditGroups.append(
                .init(
                    ob: obs[ob].code, period: period(rel), component: components[component].id,
                    app: app == 0 ? nil : apps[app - 1].id,
                    service: DemoCatalogue.services[service], queries: n))
        }
        auditGroups.sort {
            DemoExpectedTotals.precedes(
                [$0.ob, $0.period, $0.component, $0.app, $0.service],
                [$1.ob, $1.period, $1.component, $1.app, $1.service])
        }
        var gatewayGroups: [DemoExpectedTotals.GatewayGroup] = []
        for (key, n) in counter.gatewayGroups {
            let (ob, rel, app, component, nlp) = DemoTotalsCounter.unpack(key)
            gatewayGroups.append(
                .init(
                    ob: obs[ob].code, period: period(rel), app: app == 0 ? nil : apps[app - 1].id,
                    component: component == 0 ? nil : components[component - 1].id,
                    nlp: nlp == 1, messages: n))
        }
        gatewayGroups.sort {
            DemoExpectedTotals.precedes(
                [$0.ob, $0.period, $0.app, $0.component, $0.nlp ? "True" : "False"],
                [$1.ob, $1.period, $1.app, $1.component, $1.nlp ? "True" : "False"])
        }
        func totals(_ t: Int) -> DemoExpectedTotals.TopicTotals {
            var checksum: UInt64 = 0
            for (key, n) in counter.peer[t] {
                let (ob, rel, component, app, _) = DemoTotalsCounter.unpack(key)
                let componentText = component == 0 ? "\\N" : components[component - 1].id
                let appText = app == 0 ? "\\N" : apps[app - 1].id
                let text = "\(obs[ob].code)\t\(period(rel))\t\(componentText)\t\(appText)"
                checksum &+= Self.fnv1a64(text) &* UInt64(n)
            }
            return .init(
                messages: counter.messages[t], duplicates: counter.duplicates[t], late: counter.late[t],
                corrupt: counter.corrupt[t], peerChecksum: checksum, peerGroups: counter.peer[t].count)
        }
        var timeZones: [String: String] = [:]
        for ob in obs { timeZones[ob.code] = ob.timeZone }
        return DemoExpectedTotals(
            month: month, seed: seed, timeZones: timeZones, audit: totals(0), gateway: totals(1),
            auditGroups: auditGroups, gatewayGroups: gatewayGroups,
            corruptByKind: counter.corruptByKind)
    }

    // MARK: - Emission

    mutating func emit(_ k: Int) -> DemoMessage {
        let index = streams[k].emitted
        streams[k].emitted += 1
        counter.messages[k] += 1
        let topic = streams[k].topic

        if streams[k].nextCorrupt < streams[k].corruptPositions.count,
            streams[k].corruptPositions[streams[k].nextCorrupt] == index
        {
            let kind = DemoMessage.Corruption.allCases[streams[k].nextCorrupt % DemoMessage.Corruption.allCases.count]
            streams[k].nextCorrupt += 1
            let row = takeFreshRow(k, index: index)
            counter.corrupt[k] += 1
            counter.corruptByKind[kind.rawValue, default: 0] += 1
            return DemoMessage(topic: topic, key: row.key, value: corrupt(row, kind), corruption: kind)
        }

        if let first = streams[k].resends.first, first.due <= index {
            let copy = streams[k].resends.removeFirst()
            counter.duplicates[k] += 1
            counter.peer[k][copy.peerKey, default: 0] += 1
            if random.chance(Self.resendAgainRate) {
                streams[k].resends.schedule(
                    due: index + resendGap(total: streams[k].total), key: copy.key,
                    value: copy.value, peerKey: copy.peerKey)
            }
            return DemoMessage(topic: topic, key: copy.key, value: copy.value, corruption: nil)
        }

        let row = takeFreshRow(k, index: index)
        if k == 0 {
            counter.auditGroups[row.groupKey, default: 0] += 1
        } else {
            counter.gatewayGroups[row.groupKey, default: 0] += 1
        }
        counter.peer[k][row.peerKey, default: 0] += 1
        if row.isLate { counter.late[k] += 1 }
        if random.chance(Self.duplicateRate) {
            streams[k].resends.schedule(
                due: index + resendGap(total: streams[k].total), key: row.key,
                value: row.value, peerKey: row.peerKey)
        }
        return DemoMessage(topic: topic, key: row.key, value: row.value, corruption: nil)
    }

    /// How many messages later a re-send goes out.
    mutating func resendGap(total: Int) -> Int {
        let u = random.unit()
        if u < 0.15 { return 1 }
        if u < 0.50 { return 1 + random.below(50) }
        if u < 0.80 { return 50 + random.below(4950) }
        return 1 + random.below(max(total, 1))
    }

    mutating func takeFreshRow(_ k: Int, index: Int) -> PendingRow {
        if streams[k].pendingIndex >= streams[k].pending.count {
            streams[k].pending.removeAll(keepingCapacity: true)
            streams[k].pendingIndex = 0
            let progress = (Double(index) + random.unit()) / Double(streams[k].total)
            let late = progress >= 0.25 && random.chance(Self.lateRate)
            if k == 0 {
                makeInteraction(progress: progress, late: late)
            } else {
                makeGatewayMessage(progress: progress, late: late)
            }
        }
        let row = streams[k].pending[streams[k].pendingIndex]
        streams[k].pendingIndex += 1
        return row
    }

    /// A damaged copy of a valid frame.
    mutating func corrupt(_ row: PendingRow, _ kind: DemoMessage.Corruption) -> [UInt8] {
        var value = row.value
        switch kind {
        case .truncatedBody:
            // Keep the header and a strict prefix of the body: a strict decoder runs out of
            // bytes reading the same fields the complete record has.
            value.removeLast(1 + random.below(value.count - 5))
        case .wrongMagic:
            value[0] = [1, 0x7F, 0xFF, UInt8(ascii: "{")][random.below(4)]
        case .invalidUnionIndex:
            // Branch 2, −1 or 7 of a two-branch union (zig-zag 0x04, 0x01, 0x0E).
            value[row.firstUnionOffset] = [0x04, 0x01, 0x0E][random.below(3)]
        }
        return value
    }

    // MARK: - Helpers

    static func shuffle(_ items: inout [Int], _ random: inout DemoRandom) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(i, random.below(i + 1))
        }
    }

    /// 64-bit FNV-1a of the UTF-8 bytes of `text`.
    static func fnv1a64(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            h = (h ^ UInt64(byte)) &* 0x100_0000_01B3
        }
        return h
    }
}

extension DemoMonthGenerator {
    /// A generated row waiting to be emitted, with its packed totals keys.
    struct PendingRow {
        var key: [UInt8]
        var value: [UInt8]
        var groupKey: UInt64
        var peerKey: UInt64
        var isLate: Bool
        /// Offset in `value` of the first union's branch index (for `.invalidUnionIndex`).
        var firstUnionOffset: Int
    }

    /// The emission state of one topic.
    struct StreamState {
        let topic: DemoMessage.Topic
        let total: Int
        var emitted = 0
        var pending: [PendingRow] = []
        var pendingIndex = 0
        var resends = DemoResendQueue()
        var corruptPositions: [Int] = []
        var nextCorrupt = 0

        init(topic: DemoMessage.Topic, total: Int) {
            self.topic = topic
            self.total = total
        }

        /// Spreads the corrupt frames evenly, one at a random point of each stretch.
        mutating func placeCorruptFrames(_ random: inout DemoRandom) {
            guard total >= 1000 else { return }
            let count = max(3, total / DemoMonthGenerator.messagesPerCorruptFrame)
            let stretch = total / count
            corruptPositions = (0..<count).map { $0 * stretch + random.below(stretch) }
        }
    }
}
