import StreamDaemon

/// The expected totals in the shared test data generator's truth-file format, so that its
/// independent decoder (`scripts/datagen/aura_datagen.py verify FILE --frames`) can check a
/// frames file of the demo's messages against them.
extension DemoExpectedTotals {
    /// The truth document of one topic's valid frames (corrupt frames belong in a separate
    /// `.bad.frames` file): entity, time zones, totals, sorted groups, peer check.
    func truthJSON(for topic: DemoMessage.Topic) -> String {
        let totals = topic == .audit ? audit : gateway
        var groups: [String] = []
        switch topic {
        case .audit:
            for g in auditGroups {
                groups.append(
                    "[\(Self.json(g.ob)), \(Self.json(g.period)), \(Self.json(g.component)), \(Self.json(g.app)), \(Self.json(g.service)), \(g.queries)]"
                )
            }
        case .gateway:
            for g in gatewayGroups {
                groups.append(
                    "[\(Self.json(g.ob)), \(Self.json(g.period)), \(Self.json(g.app)), \(Self.json(g.component)), \(g.nlp), \(g.messages)]"
                )
            }
        }
        let groupBy =
            topic == .audit
            ? #"["COUNTRY_3_ALPHA_CD", "LOCAL_MONTH", "AURA_COMPONENT_ID", "AURA_APP_ID", "AURA_SERVICE_NAME_CD"]"#
            : #"["COUNTRY_3_ALPHA_CD", "LOCAL_MONTH", "AURA_APP_ID", "AURA_COMPONENT_ID", "AURA_NLP_IND"]"#
        let zones = timeZones.keys.sorted().map { "\(Self.json($0)): \(Self.json(timeZones[$0]))" }
        let hex = String(totals.peerChecksum, radix: 16)
        let checksum = String(repeating: "0", count: 16 - hex.count) + hex
        return """
            {
             "generator": "aura-billing DemoMonthGenerator",
             "entity": \(Self.json(topic == .audit ? "Aura_Audit" : "Aura_Gateway_Message")),
             "month": \(Self.json(month)),
             "seed": \(seed),
             "time_zones": {\(zones.joined(separator: ", "))},
             "total_records": \(totals.valid),
             "unique_records": \(totals.unique),
             "duplicates_dropped": \(totals.duplicates),
             "late_events": \(totals.late),
             "group_by": \(groupBy),
             "groups": [
              \(groups.joined(separator: ",\n  "))
             ],
             "peer_check": {"groups": \(totals.peerGroups), "rows": \(totals.valid), "checksum": "\(checksum)"}
            }

            """
    }

    /// A JSON string literal (or `null`). The catalogue is ASCII; escapes cover the rest.
    private static func json(_ text: String?) -> String {
        guard let text else { return "null" }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
