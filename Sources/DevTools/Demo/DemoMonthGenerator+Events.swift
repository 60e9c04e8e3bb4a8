import StreamDaemon

/// The events of the generated month: instants, identifiers, interactions and gateway messages.
extension DemoMonthGenerator {
    /// UTC ms of an event of OB `ob` at `progress` (0..<1) through its local month, or in the
    /// previous month's last days when `late`.
    mutating func instant(ob: Int, progress f: Double, late: Bool) -> Int64 {
        let zone = zones[ob]
        if late {
            let end = zone.monthStarts[1] - 2000  // all rows of the interaction stay before the end
            let span: Int64 = random.chance(0.5) ? 6 * 3_600_000 : 3 * 86_400_000
            return end - Int64(random.below(Int(span)))
        }
        let lo = zone.monthStarts[1]
        let hi = zone.monthStarts[2]
        let edge = Self.edgeMilliseconds
        let half = Self.edgeShare / 2
        let t: Int64
        if f < half {
            t = lo + Int64(f / half * Double(edge))
        } else if f >= 1 - half {
            if random.chance(Self.straddleRate) {
                return hi - 1 - Int64(random.below(600))
            }
            t = hi - edge + Int64((f - (1 - half)) / half * Double(edge))
        } else {
            t = lo + edge + Int64((f - half) / (1 - 2 * half) * Double(hi - lo - 2 * edge))
        }
        // Mild disorder between producers.
        return t + Int64(random.below(2000))
    }

    /// Writes the frame header and INTERACTION_ID / MESSAGE_ID, the timestamp and DAY_DT
    /// helpers share this. Returns the timestamp's written (year, month) and the offset of the
    /// byte after the timestamp (the first union's branch index).
    mutating func appendHeaderIDAndTime(
        schemaID: Int32, id: [UInt8], ms: Int64, ob: Int,
        utc: Bool
    ) -> (prefixMonth: Int, afterTime: Int, dayStart: Int) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(0)
        DemoAvroEncoding.appendBigEndian(schemaID, to: &scratch)
        DemoAvroEncoding.appendLong(Int64(id.count), to: &scratch)
        scratch.append(contentsOf: id)
        DemoAvroEncoding.appendLong(Int64(DemoAvroEncoding.timestampLength(utc: utc)), to: &scratch)
        let dayStart = scratch.count
        let written = DemoAvroEncoding.appendTimestamp(
            ms: ms, offsetSeconds: zones[ob].offsetSeconds(at: ms),
            utc: utc, to: &scratch)
        return (written.year * 12 + written.month - 1, scratch.count, dayStart)
    }

    /// Appends DAY_DT: the first 10 characters of the timestamp written at `dayStart`.
    mutating func appendDay(from dayStart: Int) {
        scratch.append(20)  // zig-zag length 10
        for i in dayStart..<(dayStart + 10) { scratch.append(scratch[i]) }
    }

    /// Appends a UUID-shaped id (36 ASCII bytes, version 4 layout) whose 64 unique bits come
    /// from a bijection of a counter (so ids never repeat within a run); the other bits are random.
    static func appendUniqueID(
        counter: UInt64, seed: UInt64, random: inout DemoRandom,
        to buffer: inout [UInt8]
    ) {
        let unique = DemoRandom.mix64(counter ^ (seed &* 0x9E37_79B9_7F4A_7C15))
        let extra = random.next()
        // 32 hex digits: unique[0..<12] 4 extra[0..<3] variant extra[3..<6] unique[12..<16] extra[6..<14]
        func hex(_ nibble: UInt64) -> UInt8 {
            let n = UInt8(truncatingIfNeeded: nibble & 0xF)
            return n < 10 ? 48 + n : 87 + n
        }
        let dash = UInt8(ascii: "-")
        for i in 0..<8 { buffer.append(hex(unique >> (60 - 4 * UInt64(i)))) }
        buffer.append(dash)
        for i in 8..<12 { buffer.append(hex(unique >> (60 - 4 * UInt64(i)))) }
        buffer.append(dash)
        buffer.append(UInt8(ascii: "4"))
        for i in 0..<3 { buffer.append(hex(extra >> (60 - 4 * UInt64(i)))) }
        buffer.append(dash)
        buffer.append(hex(8 | (extra >> 40) & 3))
        for i in 0..<3 { buffer.append(hex(extra >> (36 - 4 * UInt64(i)))) }
        buffer.append(dash)
        for i in 12..<16 { buffer.append(hex(unique >> (60 - 4 * UInt64(i)))) }
        for i in 0..<8 { buffer.append(hex(extra >> (28 - 4 * UInt64(i)))) }
    }

    /// A fresh id as its own array (the Kafka key).
    mutating func uniqueID() -> [UInt8] {
        var id: [UInt8] = []
        id.reserveCapacity(36)
        idCounter += 1
        Self.appendUniqueID(counter: idCounter, seed: seed, random: &random, to: &id)
        return id
    }

    /// Appends a `["null", "string"]` union: null with probability `nullRate`, else a fresh id.
    mutating func appendOptionalID(nullRate: Double) {
        if random.chance(nullRate) {
            scratch.append(0)
        } else {
            scratch.append(2)
            scratch.append(72)  // zig-zag length 36
            idCounter += 1
            Self.appendUniqueID(counter: idCounter, seed: seed, random: &random, to: &scratch)
        }
    }

    /// Appends one of `choices` (pre-encoded union values), or null with probability `nullRate`.
    mutating func appendChoice(_ choices: [[UInt8]], nullRate: Double) {
        if choices.isEmpty || random.chance(nullRate) {
            scratch.append(0)
        } else {
            scratch.append(contentsOf: choices[random.below(choices.count)])
        }
    }

    /// Like `appendChoice`, skewed towards the first choices (presets: the default one first).
    mutating func appendSkewedChoice(_ choices: [[UInt8]], nullRate: Double) {
        if choices.isEmpty || random.chance(nullRate) {
            scratch.append(0)
        } else {
            let u = random.unit() * random.unit()
            scratch.append(contentsOf: choices[min(Int(u * Double(choices.count)), choices.count - 1)])
        }
    }

    mutating func pickComponentByPopularity() -> Int {
        componentByRank[componentPicker.pick(&random)]
    }

    mutating func pickGatewayComponent() -> Int {
        // Skewed towards the first gateway components (the gateway itself).
        let u = random.unit()
        return gatewayComponents[min(Int(u * u * u * Double(gatewayComponents.count)), gatewayComponents.count - 1)]
    }

    /// One interaction: 1–4 audit rows, one per distinct component, a few hundred ms apart.
    mutating func makeInteraction(progress: Double, late: Bool) {
        let ob = obPicker.pick(&random)
        let app = obApps[ob][appPickers[ob].pick(&random)]
        let appNull = random.chance(Self.nullAppRate)
        // Shared by the rows of the interaction: channel, preset, correlation id.
        var shared: [UInt8] = []
        swap(&shared, &scratch)
        scratch.removeAll(keepingCapacity: true)
        appendChoice(fragments.channels[app], nullRate: 0.02)
        let channelEnd = scratch.count
        appendSkewedChoice(fragments.presets[app], nullRate: 0.05)
        let presetEnd = scratch.count
        appendOptionalID(nullRate: 0.05)
        swap(&shared, &scratch)
        let interactionID = uniqueID()
        let count = componentsPerInteraction.pick(&random) + 1
        var chosen: (Int, Int, Int, Int) = (-1, -1, -1, -1)
        var chosenCount = 0
        func isChosen(_ c: Int) -> Bool {
            c == chosen.0 || c == chosen.1 || c == chosen.2 || c == chosen.3
        }
        func add(_ c: Int) {
            switch chosenCount {
            case 0: chosen.0 = c
            case 1: chosen.1 = c
            case 2: chosen.2 = c
            default: chosen.3 = c
            }
            chosenCount += 1
        }
        if random.chance(0.6) { add(pickGatewayComponent()) }
        var attempts = 0
        while chosenCount < count, attempts < 50 {
            attempts += 1
            let c = pickComponentByPopularity()
            if !isChosen(c) { add(c) }
        }
        var t = instant(ob: ob, progress: progress, late: late)
        let appField = appNull ? 0 : app + 1
        for n in 0..<chosenCount {
            let component = n == 0 ? chosen.0 : n == 1 ? chosen.1 : n == 2 ? chosen.2 : chosen.3
            let utc = random.chance(Self.utcWrittenRate)
            let head = appendHeaderIDAndTime(schemaID: Self.auditSchemaID, id: interactionID, ms: t, ob: ob, utc: utc)
            scratch.append(contentsOf: shared[0..<channelEnd])  // AURA_CHANNEL_ID
            if appNull { scratch.append(0) } else { scratch.append(contentsOf: fragments.apps[app]) }
            scratch.append(contentsOf: fragments.obs[ob])
            var service = DemoCatalogue.components[component].service
            if random.chance(0.03) { service = random.below(DemoCatalogue.services.count) }
            DemoAvroEncoding.appendLong(Int64(service), to: &scratch)
            scratch.append(contentsOf: shared[channelEnd..<presetEnd])  // AURA_PRESET_NAME
            scratch.append(contentsOf: fragments.components[component])
            appendChoice(fragments.hosts[component], nullRate: 0.03)
            appendChoice(fragments.skills[component], nullRate: 0.1)
            if fragments.usesRecognizer[component] {
                appendChoice(fragments.recognizers[ob], nullRate: 0.05)
            } else {
                scratch.append(0)
            }
            scratch.append(contentsOf: shared[presetEnd...])  // CORR_ID
            appendSkewedChoice(fragments.versions[component], nullRate: 0.01)
            appendDay(from: head.dayStart)

            let rel = zones[ob].relativeMonth(of: t)
            let prefixRel = head.prefixMonth - targetMonthIndex
            streams[0].pending.append(
                PendingRow(
                    key: interactionID, value: scratch,
                    groupKey: DemoTotalsCounter.pack(ob, rel + 8, component, appField, service),
                    peerKey: DemoTotalsCounter.pack(ob, prefixRel + 8, component + 1, appField, 0),
                    isLate: rel == -1, firstUnionOffset: head.afterTime))
            t += 1 + Int64(random.below(400))
        }
    }

    /// One gateway message.
    mutating func makeGatewayMessage(progress: Double, late: Bool) {
        let ob = obPicker.pick(&random)
        let app = obApps[ob][appPickers[ob].pick(&random)]
        let appNull = random.chance(Self.nullAppRate)
        let t = instant(ob: ob, progress: progress, late: late)
        let utc = random.chance(Self.utcWrittenRate)
        let messageID = uniqueID()
        let head = appendHeaderIDAndTime(schemaID: Self.gatewaySchemaID, id: messageID, ms: t, ob: ob, utc: utc)
        if appNull { scratch.append(0) } else { scratch.append(contentsOf: fragments.apps[app]) }
        scratch.append(contentsOf: fragments.obs[ob])
        appendOptionalID(nullRate: 0.05)  // CORR_ID
        let nlp = random.chance(0.62)
        scratch.append(nlp ? 1 : 0)
        appendSkewedChoice(fragments.presets[app], nullRate: 0.05)
        let gateway = gatewayComponents[0]
        appendChoice(fragments.hosts[gateway], nullRate: 0.03)
        let component: Int? = random.chance(0.1) ? nil : pickGatewayComponent()
        if let component {
            scratch.append(contentsOf: fragments.optionalComponents[component])
        } else {
            scratch.append(0)
        }
        if random.chance(0.01) { scratch.append(0) } else { scratch.append(contentsOf: fragments.versions[gateway][0]) }
        appendDay(from: head.dayStart)

        let rel = zones[ob].relativeMonth(of: t)
        let appField = appNull ? 0 : app + 1
        let componentField = component.map { $0 + 1 } ?? 0
        streams[1].pending.append(
            PendingRow(
                key: messageID, value: scratch,
                groupKey: DemoTotalsCounter.pack(ob, rel + 8, appField, componentField, nlp ? 1 : 0),
                peerKey: DemoTotalsCounter.pack(
                    ob, head.prefixMonth - targetMonthIndex + 8, componentField, appField, 0),
                isLate: rel == -1, firstUnionOffset: head.afterTime))
    }
}
