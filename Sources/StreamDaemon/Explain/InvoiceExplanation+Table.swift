extension InvoiceExplanation {
    /// The explanation as text for a terminal (`--format table`): a header, then per line its
    /// bands (quantity × unit price = amount, their sum and the rounded amount), its quantities
    /// per app/service and per day, and its late events.
    package func table() -> String {
        var out: [String] = []
        var head = "\(ob) \(period)  \(currency)  \(status)"
        if provisional { head += " (provisional)" }
        if let invoiceNumber { head += "  invoice \(invoiceNumber)" }
        if let revision { head += "  revision \(revision)" }
        head += "  total \(total)"
        out.append(head)
        if let closedAt { out.append("closed at \(closedAt)") }
        if let timeZone { out.append("time zone \(timeZone)") }
        for range in inputs.offsets {
            out.append("input \(range.topic)/\(range.partition) offsets \(range.firstOffset)-\(range.lastOffset)")
        }
        for file in inputs.files { out.append("input \(file.path) sha256 \(file.sha256)") }
        out.append("duplicates dropped \(duplicatesDropped), late events after close \(lateEvents)")
        for line in lines {
            out.append("")
            var title = line.kind == line.component ? line.kind : "\(line.kind) \(line.component)"
            if line.name != line.component { title += " \"\(line.name)\"" }
            if let original = line.originalPeriod { title += " of \(original)" }
            out.append("\(title)  \(line.pricing)  quantity \(line.quantity)  amount \(line.amount)")
            if let before = line.bandsBefore {
                out.append("  bands for \(line.originalQuantity ?? 0) already invoiced + \(line.quantity) late:")
                out += line.bands.map(Self.bandText)
                out.append("  minus the bands already invoiced:")
                out += before.map(Self.bandText)
            } else {
                out.append("  bands:")
                out += line.bands.map(Self.bandText)
            }
            out.append("    sum \(line.exactAmount) rounded \(line.amount)")
            out.append("  by app/service:")
            for entry in line.byAppService {
                var label = entry.app ?? "(no app)"
                if let name = entry.appName, name != entry.app { label += " \"\(name)\"" }
                if let service = entry.service { label += " \(service)" }
                out.append("    \(label)  \(entry.quantity)")
            }
            out.append("  by day:")
            for day in line.byDay { out.append("    \(day.date)  \(day.quantity)") }
            if line.daysUnknown != 0 { out.append("    day unknown  \(line.daysUnknown)") }
            for late in line.late { out.append("  late events of \(late.originalPeriod): \(late.quantity)") }
            for later in line.lateBilledLater {
                out.append("  arrived after the close, billed in \(later.billedIn): \(later.quantity)")
            }
        }
        out.append("")
        out.append("monthly fee \(monthlyFee)  minimum top-up \(minimumTopUp)  total \(total)")
        return out.joined(separator: "\n") + "\n"
    }

    private static func bandText(_ band: Band) -> String {
        let bound = band.upTo.map { "up to \($0)" } ?? "open"
        return "    \(band.from)-\(band.through) (\(bound))  \(band.quantity) × \(band.unitPrice) = \(band.amount)"
    }
}
