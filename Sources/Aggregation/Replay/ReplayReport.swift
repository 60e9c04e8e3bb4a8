/// The result of a replay, in the shape of docs/spec.md §10's `replay --format json`.
package struct ReplayReport: Equatable, Sendable {
    package struct AuditLine: Equatable, Sendable {
        package var ob: String
        package var period: Period
        package var component: String
        package var app: String?
        package var service: String
        package var queries: Int64
    }

    package struct GatewayLine: Equatable, Sendable {
        package var ob: String
        package var period: Period
        package var app: String?
        package var messages: Int64
        package var nlpMessages: Int64
    }

    package var records: Int64
    package var duplicates: Int64
    package var late: Int64
    package var quarantined: Int64
    /// Sorted by (ob, period, component, app (null first), service); late rows are summed into
    /// their original period.
    package var audit: [AuditLine]
    /// Sorted by (ob, period, app (null first)).
    package var gateway: [GatewayLine]

    /// The report of a state.
    package init(_ state: PartitionState) {
        records = state.records
        duplicates = state.duplicates
        late = state.late
        quarantined = state.quarantined
        var audit: [AuditLine] = []
        for row in state.allAuditUsage() {  // sorted; a late row follows its on-time twin
            if let last = audit.last, last.ob == row.ob, last.period == row.period, last.component == row.component,
                last.app == row.app, last.service == row.service
            {
                audit[audit.count - 1].queries += row.queries
            } else {
                audit.append(
                    AuditLine(
                        ob: row.ob, period: row.period, component: row.component, app: row.app,
                        service: row.service, queries: row.queries))
            }
        }
        self.audit = audit
        var gateway: [GatewayLine] = []
        for row in state.allGatewayUsage() {
            if let last = gateway.last, last.ob == row.ob, last.period == row.period, last.app == row.app {
                gateway[gateway.count - 1].messages += row.messages
                gateway[gateway.count - 1].nlpMessages += row.nlpMessages
            } else {
                gateway.append(
                    GatewayLine(
                        ob: row.ob, period: row.period, app: row.app, messages: row.messages,
                        nlpMessages: row.nlpMessages))
            }
        }
        self.gateway = gateway
    }

    /// One JSON document (docs/spec.md §10), one row per line, keys in a fixed order.
    package func json() -> String {
        var out =
            "{\"records\": \(records), \"duplicates\": \(duplicates), \"late\": \(late), \"quarantined\": \(quarantined),\n"
        out += "\"audit\": ["
        for (i, r) in audit.enumerated() {
            out += i == 0 ? "\n" : ",\n"
            out +=
                "{\"ob\": \(Self.quote(r.ob)), \"period\": \"\(r.period)\", \"component\": \(Self.quote(r.component)), "
            out +=
                "\"app\": \(r.app.map(Self.quote) ?? "null"), \"service\": \(Self.quote(r.service)), \"queries\": \(r.queries)}"
        }
        out += audit.isEmpty ? "],\n" : "\n],\n"
        out += "\"gateway\": ["
        for (i, r) in gateway.enumerated() {
            out += i == 0 ? "\n" : ",\n"
            out +=
                "{\"ob\": \(Self.quote(r.ob)), \"period\": \"\(r.period)\", \"app\": \(r.app.map(Self.quote) ?? "null"), "
            out += "\"messages\": \(r.messages), \"nlp_messages\": \(r.nlpMessages)}"
        }
        out += gateway.isEmpty ? "]}\n" : "\n]}\n"
        return out
    }

    /// Aligned plain-text tables.
    package func table() -> String {
        var out = "records \(records)  duplicates \(duplicates)  late \(late)  quarantined \(quarantined)\n"
        if !audit.isEmpty {
            out +=
                "\n"
                + Self.align(
                    [["OB", "PERIOD", "COMPONENT", "APP", "SERVICE", "QUERIES"]]
                        + audit.map {
                            [$0.ob, $0.period.description, $0.component, $0.app ?? "-", $0.service, String($0.queries)]
                        }, numeric: [5])
        }
        if !gateway.isEmpty {
            out +=
                "\n"
                + Self.align(
                    [["OB", "PERIOD", "APP", "MESSAGES", "NLP_MESSAGES"]]
                        + gateway.map {
                            [$0.ob, $0.period.description, $0.app ?? "-", String($0.messages), String($0.nlpMessages)]
                        }, numeric: [3, 4])
        }
        return out
    }

    private static func align(_ rows: [[String]], numeric: Set<Int>) -> String {
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                line += (i == 0 ? "" : "  ") + (numeric.contains(i) ? pad + cell : cell + pad)
            }
            while line.last == " " { line.removeLast() }
            out += line + "\n"
        }
        return out
    }

    /// A JSON string literal.
    package static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
