extension InvoicePreview {
    /// The preview as a plain-text table (`aura-billing preview --format table`): a heading, one
    /// row per line, the total, then freshness and readiness.
    package func table() -> String {
        var out = "PROVISIONAL invoice \(ob) \(period) (\(country), \(currency)), catalog \(catalogVersion)\n"
        out += "as of \(freshness.asOf) from the \(freshness.source) state"
        out += freshness.lastCheckpoint.map { ", last checkpoint \($0)" } ?? ""
        out += "\n\n"
        let header = ["Line", "Component", "Quantity", "Unit price", "Amount"]
        let body: [[String]] = lines.map { line in
            let label = line.originalPeriod.map { "\(line.kind) \($0)" } ?? line.kind
            return [
                label, line.component.map { "\($0) \(line.name ?? "")" } ?? (line.name ?? ""),
                line.quantity.map(String.init) ?? "", line.unitPrice ?? "", line.amount,
            ]
        }
        let totalRow = ["total", "", "", "", "\(total) \(currency)"]
        let all = [header] + body + [totalRow]
        let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        out += Self.row(header, widths) + rule
        for row in body { out += Self.row(row, widths) }
        out += rule + Self.row(totalRow, widths) + "\n"
        out += "queries \(totalQueries), requests \(totalRequests)\n"
        for p in freshness.partitions {
            out += "partition \(p.topic)/\(p.partition): watermark \(p.watermark ?? "-"), "
            out += "next offset \(p.nextOffset.map(String.init) ?? "-"), lag \(p.lag.map(String.init) ?? "unknown")\n"
        }
        if readiness.closed {
            out += "readiness: closed (later events are billed on the next invoice)\n"
        } else {
            out += "readiness: \(readiness.ready ? "ready to close" : "not ready")"
            out += readiness.readyAt.map { ", ready at \($0)" } ?? ""
            out += "\n"
            for reason in readiness.blockedBy { out += "  blocked by \(reason)\n" }
        }
        return out
    }

    /// One table row: text columns left-aligned, numbers (from the third) right-aligned.
    static func row(_ cells: [String], _ widths: [Int]) -> String {
        var parts: [String] = []
        for i in cells.indices {
            let pad = String(repeating: " ", count: widths[i] - cells[i].count)
            parts.append(i >= 2 ? pad + cells[i] : cells[i] + pad)
        }
        var line = parts.joined(separator: "  ")
        while line.last == " " { line.removeLast() }
        return line + "\n"
    }
}
