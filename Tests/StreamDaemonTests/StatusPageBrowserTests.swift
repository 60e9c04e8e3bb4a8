import Aggregation
import Foundation
import Testing

@testable import StreamDaemon

/// The status page (`GET /`) in a real browser: headless Chromium loads it from the daemon's
/// endpoints and the test reads the rendered DOM; its figures equal the preview endpoint's.
@Suite("Status page in a browser", .serialized)
struct StatusPageBrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    /// Chromium must be there in CI (`CI` set); elsewhere its absence skips the test.
    static let runs = chromium != nil || ProcessInfo.processInfo.environment["CI"] != nil

    /// Runs headless Chromium with `arguments` then `url`; returns its stdout.
    static func browse(_ arguments: [String], _ url: String) async throws -> String {
        let path = try #require(chromium, "chromium is not installed (scripts/bootstrap.sh installs it)")
        return try await Blocking.run {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: profile) }
            process.arguments =
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                    "--user-data-dir=\(profile.path)",
                ] + arguments + [url]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = try out.fileHandleForReading.readToEnd() ?? Data()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// `td` cells of class `kind` in `dom`: "OB period" → text.
    static func cells(_ kind: String, in dom: String) throws -> [String: String] {
        let pattern = try Regex(
            "<td class=\"num \(kind)\" data-ob=\"([A-Z]{3})\" data-period=\"([0-9-]{7})\">([^<]*)</td>")
        var found: [String: String] = [:]
        for match in dom.matches(of: pattern) {
            let ob = String(match.output[1].substring ?? "")
            let period = String(match.output[2].substring ?? "")
            found["\(ob) \(period)"] = String(match.output[3].substring ?? "")
        }
        return found
    }

    @Test(
        "headless Chromium renders the status page; its queries, requests and running totals equal the preview endpoint's",
        .enabled(if: runs, "chromium is not installed and CI is not set"))
    func pageMatchesPreviews() async throws {
        let fixture = try EngineFixture()
        let engine = try fixture.makeEngine()
        defer { engine.shutdown() }
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: .now)
        let calendar = try #require(try EngineFixture.zones().calendar(forOB: "ESP"))
        let current = try calendar.period(ofUTCMillis: LiveStateView.wallClockMs())
        let previous = current.previous
        let older = try EngineFixture.messages(audit: 400, gateway: 200, month: previous.description)
        let newer = try EngineFixture.messages(
            audit: 200, gateway: 100, seed: 21, month: current.description,
            from: [EngineFixture.audit: 400, EngineFixture.gateway: 200])
        consumer.events = [.assign([EngineFixture.audit, EngineFixture.gateway]), .messages(older), .messages(newer)]
        for _ in 0..<3 { try loop.step(now: nil) }
        // Caught up: the broker's high watermarks are the next offsets (the lag is known, 0).
        consumer.watermarks = [EngineFixture.audit: (0, 600), EngineFixture.gateway: (0, 300)]
        fixture.status.update {
            $0.stateLoaded = true
            $0.assigned = engine.assigned
            $0.lagKnown = true
        }
        // One closed invoice, to show its revision and delivery state.
        _ = try InvoicePreviewTests.close(fixture, loop, ob: "ESP", period: previous.description)

        try await InvoicePreviewTests.withServer(fixture) { port in
            let url = "http://127.0.0.1:\(port)/"
            let (dom, previews) = try await InvoicePreviewTests.stepping(loop) {
                let dom = try await Self.browse(["--dump-dom"], url)
                var previews: [String: InvoicePreview] = [:]
                for ob in try Self.cells("total", in: dom).keys.map({ String($0.prefix(3)) }) {
                    for period in [current, previous] {
                        let reply = try await InvoicePreviewTests.get(port, "ob=\(ob)&period=\(period)")
                        if reply.status == 200 { previews["\(ob) \(period)"] = try InvoicePreviewTests.decode(reply) }
                    }
                }
                return (dom, previews)
            }
            #expect(dom.contains("<h1>aura-billing</h1>"), "\(dom.prefix(500))")
            #expect(dom.contains("id=\"health\" class=\"ok\""), "the daemon reports ready")
            let totals = try Self.cells("total", in: dom)
            let queries = try Self.cells("queries", in: dom)
            let requests = try Self.cells("requests", in: dom)
            #expect(totals.count >= 6, "rows with a running total: \(totals.keys.sorted())")
            #expect(Set(totals.keys) == Set(previews.keys), "every previewable (OB, period) is on the page")
            for (key, preview) in previews {
                #expect(totals[key] == "\(preview.total) \(preview.currency)", "\(key) total")
                #expect(queries[key] == "\(preview.totalQueries)", "\(key) queries")
                #expect(requests[key] == "\(preview.totalRequests)", "\(key) requests")
            }
            #expect(previews.values.contains { $0.totalQueries > 0 && $0.period == current.description })
            #expect(dom.contains("\(previous) r1"), "the last closed invoice with its revision")
            #expect(dom.contains("pending delivery"), "issued without the background service: not marked done")
            #expect(!dom.contains("<script"), "no script")
            #expect(dom.contains("<span id=\"lag\">0 messages</span>"), "the lag, from the partitions' watermarks")

            // A screenshot: a real rendering (PNG), refreshed in docs/ with AURA_UPDATE_SCREENSHOT=1.
            let shot = fixture.directory + "/status-page.png"
            _ = try await InvoicePreviewTests.stepping(loop) {
                try await Self.browse(["--screenshot=\(shot)", "--window-size=1400,1000", "--hide-scrollbars"], url)
            }
            let png = try #require(FileManager.default.contents(atPath: shot))
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000)
            if ProcessInfo.processInfo.environment["AURA_UPDATE_SCREENSHOT"] == "1" {
                try png.write(to: DaemonHarness.root.appendingPathComponent("docs/status-page.png"))
            }
        }
    }
}
