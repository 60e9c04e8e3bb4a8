import Aggregation
import Foundation
import Invoicing

/// The status page (`GET /`): one server-rendered HTML page — no script, no external resource,
/// inline CSS — with, per OB, the current and previous period's queries, requests, running total
/// (`InvoicePreviewer`, the close's pricing), last event and readiness, the last closed invoice
/// with its revision and delivery state, and the daemon's health. Every text from data is
/// HTML-escaped.
struct StatusPage {
    /// One (OB, period) row: its preview, or why there is none.
    struct PeriodRow {
        var period: String
        var preview: InvoicePreview?
        var problem: String?
    }

    /// The newest invoice written for an OB (its highest revision).
    struct ClosedInvoice: Equatable {
        var period: String
        var revision: Int
        var number: String?
        var total: String
        var currency: String
        var closedAt: String
        /// `delivered`, `pending delivery` or `written` (no close journal: scale-out).
        var delivery: String
    }

    struct OBStatus {
        var ob: String
        var current: PeriodRow
        var previous: PeriodRow
        var lastEventMs: Int64?
        var lastClosed: ClosedInvoice?
    }

    var generatedAtMs: Int64
    /// When the rows were priced (`make`'s `nowMs`): earlier than `generatedAtMs` when the page
    /// reuses rows priced for an unchanged state (`StatusPageCache`).
    var pricedAtMs: Int64
    /// Empty when ready (`DaemonStatus.notReadyReasons`).
    var notReady: [String]
    var detail: [String]
    var view: LiveStateView?
    /// Why there is no view (the consumer has no partitions yet, the changelog cannot be read).
    var viewProblem: String?
    var obs: [OBStatus]

    /// The page's data: one view, priced per OB for its current and previous period.
    static func make(
        view: Result<LiveStateView, any Error>, context: InvoicingContext, status: DaemonStatus?,
        invoicesDir: String?, stateDir: String?, nowMs: Int64
    ) -> StatusPage {
        var page = StatusPage(
            generatedAtMs: nowMs, pricedAtMs: nowMs, notReady: status?.notReadyReasons() ?? [],
            detail: status?.readinessDetail() ?? [],
            view: nil, viewProblem: nil, obs: [])
        let pending = Set(status?.snapshot.pendingDeliveries ?? [])
        switch view {
        case .failure(let error):
            page.viewProblem = (error as? DaemonError)?.message ?? "\(error)"
        case .success(let view):
            page.view = view
            let previewer = InvoicePreviewer(context: context)
            let obs = Set(view.facts.periods.map(\.ob)).sorted()
            for ob in obs {
                guard let calendar = view.state.zones.calendar(forOB: ob),
                    let current = try? calendar.period(ofUTCMillis: nowMs)
                else { continue }
                func row(_ period: Period) -> PeriodRow {
                    do {
                        let request = try PreviewRequest(ob: ob, period: period.description)
                        return PeriodRow(
                            period: period.description,
                            preview: try previewer.preview(request, view: view, nowMs: nowMs))
                    } catch let error as DaemonError {
                        return PeriodRow(period: period.description, problem: error.message)
                    } catch {
                        return PeriodRow(period: period.description, problem: "\(error)")
                    }
                }
                let lastEvent = view.facts.periods.filter { $0.ob == ob }
                    .compactMap { view.state.summary(ob: ob, period: $0.period)?.lastEventMs }.max()
                page.obs.append(
                    OBStatus(
                        ob: ob, current: row(current), previous: row(current.previous), lastEventMs: lastEvent,
                        lastClosed: invoicesDir.flatMap {
                            lastClosed(ob: ob, invoicesDir: $0, stateDir: stateDir, pending: pending)
                        }))
            }
        }
        return page
    }

    /// The highest revision of the latest period with a manifest under `<invoices>/<ob>/`.
    static func lastClosed(ob: String, invoicesDir: String, stateDir: String?, pending: Set<String>) -> ClosedInvoice? {
        let directory = (invoicesDir as NSString).appendingPathComponent(ob)
        let periods = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter(AdminCloseRequest.isPeriod).sorted(by: >)
        for period in periods {
            let folder = (directory as NSString).appendingPathComponent(period)
            guard let latest = try? InvoiceWriter.latestManifest(in: folder) else { continue }
            let manifest = latest.manifest
            var delivery = "written"
            if let stateDir, let journal = try? CloseJournal.load(stateDir: stateDir, ob: ob, period: period) {
                delivery = journal.done && !pending.contains("\(ob)-\(period)") ? "delivered" : "pending delivery"
            }
            return ClosedInvoice(
                period: period, revision: manifest.revision, number: manifest.invoiceNumber,
                total: manifest.totals.total, currency: manifest.totals.currency, closedAt: manifest.closedAt,
                delivery: delivery)
        }
        return nil
    }

    // MARK: HTML

    /// `text` escaped for HTML content and attribute values (the workbook's XML escaping: `&`,
    /// `<`, `>`, `"`, `'`, and control characters dropped).
    static func escape(_ text: String) -> String { XMLEscaping.escape(text) }

    static let style = """
        body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d2330;background:#f6f7f9}
        h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
        .muted{color:#667085}.ok{color:#067647}.bad{color:#b42318}.warn{color:#b54708}
        table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px rgba(16,24,40,.08);width:100%}
        th,td{padding:6px 10px;border-bottom:1px solid #eaecf0;text-align:left;vertical-align:top;white-space:nowrap}
        th{background:#f2f4f7;font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:#475467}
        td.num{text-align:right;font-variant-numeric:tabular-nums}
        tr.current td{border-top:2px solid #d0d5dd}
        .pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;background:#f2f4f7}
        .pill.ok{background:#ecfdf3}.pill.bad{background:#fef3f2}.pill.warn{background:#fffaeb}
        ul{margin:4px 0;padding-left:20px}
        """

    /// The page as HTML.
    func html() -> String {
        let e = Self.escape
        var out = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>aura-billing status</title>
            <meta name="viewport" content="width=device-width,initial-scale=1">
            <style>\(Self.style)</style></head><body>
            <h1>aura-billing</h1>
            <div class="muted">Generated \(e(InvoicePreview.utc(generatedAtMs))). Running totals are provisional: \
            priced <span id="priced" data-ms="\(pricedAtMs)">\(e(InvoicePreview.utc(pricedAtMs)))</span> as the close \
            would price them.</div>

            """
        out += "<h2>Health</h2>\n"
        if notReady.isEmpty {
            out += "<p id=\"health\" class=\"ok\">ready</p>\n"
        } else {
            out += "<p id=\"health\" class=\"bad\">not ready</p><ul>"
            for reason in notReady { out += "<li>\(e(reason))</li>" }
            out += "</ul>\n"
        }
        if !detail.isEmpty {
            out += "<ul>" + detail.map { "<li class=\"warn\">\(e($0))</li>" }.joined() + "</ul>\n"
        }
        if let view {
            let lag = view.partitions.compactMap(\.lag)
            let lagText = lag.count == view.partitions.count ? "\(lag.reduce(0, +)) messages" : "unknown"
            out +=
                "<p>State from the \(e(view.source.rawValue)) partitions, as of \(e(InvoicePreview.utc(view.takenAtMs)))"
            out += view.lastCheckpointMs.map { "; last checkpoint \(e(InvoicePreview.utc($0)))" } ?? ""
            out += "; lag <span id=\"lag\">\(e(lagText))</span>.</p>\n"
            out += "<table><tr><th>Partition</th><th>Watermark</th><th>Next offset</th><th>Lag</th></tr>\n"
            for p in view.partitions {
                out += "<tr><td>\(e(p.key.description))</td><td>\(e(p.watermarkMs.map(InvoicePreview.utc) ?? "—"))</td>"
                out += "<td class=\"num\">\(p.nextOffset.map(String.init) ?? "—")</td>"
                out += "<td class=\"num\">\(p.lag.map(String.init) ?? "unknown")</td></tr>\n"
            }
            out += "</table>\n"
        } else {
            out += "<p class=\"bad\">No state to show: \(e(viewProblem ?? "not available"))</p>\n"
        }
        out += "<h2>Operating businesses</h2>\n"
        out += """
            <table id="obs"><tr><th>OB</th><th>Period</th><th>Queries</th><th>Requests</th><th>Running total</th>\
            <th>Last event</th><th>Readiness</th><th>Last closed invoice</th></tr>

            """
        for ob in obs {
            for (index, row) in [ob.current, ob.previous].enumerated() {
                out += index == 0 ? "<tr class=\"current\">" : "<tr>"
                if index == 0 { out += "<td rowspan=\"2\"><b>\(e(ob.ob))</b></td>" }
                out += "<td>\(e(row.period))\(index == 0 ? " <span class=\"muted\">(current)</span>" : "")</td>"
                let cell = "data-ob=\"\(e(ob.ob))\" data-period=\"\(e(row.period))\""
                if let p = row.preview {
                    out += "<td class=\"num queries\" \(cell)>\(p.totalQueries)</td>"
                    out += "<td class=\"num requests\" \(cell)>\(p.totalRequests)</td>"
                    out += "<td class=\"num total\" \(cell)>\(e(p.total)) \(e(p.currency))</td>"
                } else {
                    out += "<td class=\"muted\" colspan=\"3\">\(e(row.problem ?? "—"))</td>"
                }
                if index == 0 {
                    out += "<td rowspan=\"2\">\(e(ob.lastEventMs.map(InvoicePreview.utc) ?? "—"))</td>"
                }
                out += "<td>\(Self.readiness(row))</td>"
                if index == 0 { out += "<td rowspan=\"2\">\(Self.closed(ob.lastClosed))</td>" }
                out += "</tr>\n"
            }
        }
        if obs.isEmpty { out += "<tr><td colspan=\"8\" class=\"muted\">No events yet.</td></tr>\n" }
        out += "</table>\n</body></html>\n"
        return out
    }

    static func readiness(_ row: PeriodRow) -> String {
        guard let r = row.preview?.readiness else { return "—" }
        if r.closed { return "<span class=\"pill\">closed</span>" }
        if r.ready { return "<span class=\"pill ok\">ready to close</span>" }
        var text = "<span class=\"pill warn\">not ready</span>"
        if let at = r.readyAt { text += " <span class=\"muted\">at \(escape(at))</span>" }
        return text
    }

    static func closed(_ invoice: ClosedInvoice?) -> String {
        guard let i = invoice else { return "<span class=\"muted\">none</span>" }
        let pill = i.delivery == "delivered" ? "ok" : (i.delivery == "written" ? "" : "warn")
        var text = "\(escape(i.period)) r\(i.revision)"
        if let number = i.number { text += " · \(escape(number))" }
        text += "<br>\(escape(i.total)) \(escape(i.currency)) <span class=\"pill \(pill)\">\(escape(i.delivery))</span>"
        return text
    }
}
