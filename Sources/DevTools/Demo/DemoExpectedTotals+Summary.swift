import StreamDaemon

/// A plain-text table of the expected totals, for `aura-billing demo` to print beside what the
/// pipeline produced.
extension DemoExpectedTotals {
    /// Lines: one per topic with its counts, then one per (OB, period) with unique queries,
    /// gateway messages and NLP messages.
    func summaryLines() -> [String] {
        var lines: [String] = ["expected totals (seed \(seed), month \(month)):"]
        for (name, t) in [("audit", audit), ("gateway", gateway)] {
            lines.append("  \(Self.pad(name, 8)) \(t.messages) messages: \(t.unique) unique, \(t.duplicates) duplicates, \(t.late) late, \(t.corrupt) corrupt")
        }
        var requests: [String: (Int, Int)] = [:]
        for r in requestGroups {
            let key = "\(r.ob) \(r.period)"
            let current = requests[key] ?? (0, 0)
            requests[key] = (current.0 + r.messages, current.1 + r.nlpMessages)
        }
        var queries: [String: Int] = [:]
        for q in queriesByOBPeriod { queries["\(q.ob) \(q.period)"] = q.queries }
        lines.append("  OB  period   " + Self.pad("queries", 10, right: true) + Self.pad("messages", 10, right: true)
                     + Self.pad("nlp", 10, right: true))
        for key in Set(queries.keys).union(requests.keys).sorted() {
            let r = requests[key] ?? (0, 0)
            lines.append("  \(key)  " + Self.pad(String(queries[key] ?? 0), 10, right: true)
                         + Self.pad(String(r.0), 10, right: true) + Self.pad(String(r.1), 10, right: true))
        }
        return lines
    }

    private static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }
}
