import Aggregation
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import Invoicing
@testable import StreamDaemon

/// The running invoice through the real endpoint (`GET /v1/invoices/preview`), priced from the
/// views the consumer loop publishes (real engine, fake Kafka consumer): it equals, line for line
/// and in total, the invoice the close then writes — on the fixture month and after late events.
@Suite("Invoice preview", .serialized)
struct InvoicePreviewTests {
    static let audit = EngineFixture.audit
    static let gateway = EngineFixture.gateway

    /// Holds what a task produced, for a test thread that steps the loop meanwhile.
    final class Outcome<T: Sendable>: Sendable {
        let value = Mutex<Result<T, any Error>?>(nil)
    }

    /// Runs `work` while stepping `loop` (which publishes the views `work` waits for) and returns its result.
    static func stepping<T: Sendable>(_ loop: ConsumerLoop, _ work: @escaping @Sendable () async throws -> T)
        async throws -> T
    {
        let outcome = Outcome<T>()
        let task = Task {
            let result: Result<T, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            outcome.value.withLock { $0 = result }
        }
        let done = try await ConsumerLoopCloseTests.poll(loop) { outcome.value.withLock { $0 != nil } }
        await task.value
        #expect(done, "the request did not finish while the loop ran")
        return try #require(outcome.value.withLock { $0 }).get()
    }

    /// The endpoints with previews from `fixture`'s consumer, on an ephemeral port, for `body`.
    static func withServer(
        _ fixture: EngineFixture, _ body: (Int) async throws -> Void
    ) async throws {
        var endpoints = HTTPEndpoints(
            metrics: fixture.metrics, status: fixture.status, adminToken: nil, close: { _ in "{}" })
        endpoints.previews = .live(fixture.control.snapshots, context: fixture.context)
        endpoints.previews?.invoicesDir = fixture.directory + "/invoices"
        endpoints.previews?.stateDir = fixture.stateDir
        try await HTTPEndpointsTests.withServer(endpoints, body)
    }

    /// `GET /v1/invoices/preview?<query>`: (status, body).
    static func get(_ port: Int, _ query: String) async throws -> HTTPEndpointsTests.Reply {
        try await HTTPEndpointsTests.curl(["http://127.0.0.1:\(port)/v1/invoices/preview?\(query)"])
    }

    static func decode(_ reply: HTTPEndpointsTests.Reply) throws -> InvoicePreview {
        try JSONDecoder().decode(InvoicePreview.self, from: Data(reply.body.utf8))
    }

    /// Closes (ob, period) on the loop's thread and issues its invoice as the background would;
    /// returns the manifest path written.
    static func close(_ fixture: EngineFixture, _ loop: ConsumerLoop, ob: String, period: String) throws -> String {
        let frozen = try loop.closer.close(.period(period, ob: ob, force: true))
        #expect(frozen.report.errors.isEmpty, "\(frozen.report.errors)")
        let job = try #require(frozen.jobs.first { $0.journal.ob == ob })
        let issuer = InvoiceIssuer(
            context: fixture.context, invoicesDir: fixture.directory + "/invoices", delivery: nil, metrics: nil,
            logger: fixture.logger)
        let issued = try issuer.issue(job.journal, input: job.input)
        let directory = (issued.workbook as NSString).deletingLastPathComponent
        return directory + "/" + InvoiceWriter.manifestName(revision: issued.revision)
    }

    /// Every line and total of the written invoice equal the preview's (amounts as decimals).
    static func expectEqual(_ preview: InvoicePreview, manifestPath: String) throws {
        let manifest = try InvoiceManifest.decode(
            try #require(FileManager.default.contents(atPath: manifestPath)), source: manifestPath)
        let what = "\(preview.ob) \(preview.period)"
        #expect(preview.provisional)
        #expect(manifest.totals.currency == preview.currency, "\(what) currency")
        #expect(manifest.totals.total == preview.total, "\(what) total")
        let t = preview.totals
        #expect(
            [
                manifest.totals.components, manifest.totals.requests, manifest.totals.monthlyFee,
                manifest.totals.adjustments, manifest.totals.minimumTopUp,
            ] == [t.components, t.requests, t.monthlyFee, t.adjustments, t.minimumTopUp], "\(what) totals")
        #expect(
            manifest.totals.totalQueries == preview.totalQueries
                && manifest.totals.totalRequests == preview.totalRequests)

        let workbook = (manifestPath as NSString).deletingLastPathComponent + "/" + manifest.workbook
        let reader = try XLSXReader(path: workbook)
        func money(_ value: XLSXReader.Value?) throws -> Money { try Money(parsing: value?.description ?? "") }
        let components = try #require(reader.sheets["Components"])
        var written: [String] = []
        for row in stride(from: 2, through: components.lastRow, by: 1) {
            let id = components.value("A", row)?.description ?? ""
            written.append(
                "\(id) \(components.value("C", row)?.description ?? "") \(try money(components.value("F", row)))")
        }
        let previewed = try preview.lines.filter { $0.kind == "component" }.map {
            "\($0.component ?? "") \($0.quantity ?? -1) \(try Money(parsing: $0.amount))"
        }
        #expect(previewed == written, "\(what) component lines")
        let adjustments = try #require(reader.sheets["Adjustments"])
        var writtenAdjustments: [String] = []
        for row in stride(from: 2, through: adjustments.lastRow, by: 1) {
            let cells = ["A", "B", "D"].map { adjustments.value($0, row)?.description ?? "" }
            writtenAdjustments.append(cells.joined(separator: " ") + " \(try money(adjustments.value("E", row)))")
        }
        let previewedAdjustments = try preview.lines.filter { $0.kind == "adjustment" }.map {
            "\($0.originalPeriod ?? "") \($0.component ?? "") \($0.quantity ?? -1) \(try Money(parsing: $0.amount))"
        }
        #expect(previewedAdjustments == writtenAdjustments, "\(what) adjustment lines")
        let amounts = Dictionary(
            uniqueKeysWithValues: preview.lines.filter { $0.kind != "component" && $0.kind != "adjustment" }.map {
                ($0.kind, $0.amount)
            })
        #expect(amounts["requests"] == manifest.totals.requests && amounts["monthly_fee"] == manifest.totals.monthlyFee)
        #expect(amounts["minimum_top_up"] == manifest.totals.minimumTopUp)
    }

    @Test(
        "the preview of every OB equals the invoice the close then writes, on the fixture month and after late events")
    func previewEqualsClose() async throws {
        let fixture = try EngineFixture()
        let engine = try fixture.makeEngine()
        defer { engine.shutdown() }
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: .now)
        consumer.events = [
            .assign([Self.audit, Self.gateway]), .messages(try EngineFixture.messages(audit: 600, gateway: 400)),
        ]
        try loop.step(now: nil)
        try loop.step(now: nil)
        let obs = engine.slots.flatMap { $0.state.periods() }.filter { $0.period.description == "2026-10" }.map(\.ob)
        let october = Array(Set(obs)).sorted()
        #expect(october.count >= 3, "the fixture month has several OBs: \(october)")

        try await Self.withServer(fixture) { port in
            // 1. The fixture month: preview every OB, then close and compare.
            let previews = try await Self.stepping(loop) {
                var replies: [InvoicePreview] = []
                for ob in october {
                    let reply = try await Self.get(port, "ob=\(ob)&period=2026-10")
                    #expect(reply.status == 200, "\(reply.body)")
                    replies.append(try Self.decode(reply))
                }
                return replies
            }
            for preview in previews {
                #expect(preview.freshness.partitions.map(\.nextOffset) == [600, 400])
                #expect(!preview.readiness.closed)
                try Self.expectEqual(
                    preview, manifestPath: try Self.close(fixture, loop, ob: preview.ob, period: "2026-10"))
            }

            // 2. Late events of the closed month: billed as adjustments on November's invoice.
            consumer.events = [
                .messages(
                    try EngineFixture.messages(
                        audit: 300, gateway: 100, seed: 99, from: [Self.audit: 600, Self.gateway: 400]))
            ]
            try loop.step(now: nil)
            let late = try await Self.stepping(loop) {
                var replies: [InvoicePreview] = []
                for ob in october {
                    let closed = try await Self.get(port, "ob=\(ob)&period=2026-10")
                    #expect(closed.status == 200)
                    let closedPreview = try Self.decode(closed)
                    #expect(closedPreview.readiness.closed, "\(ob) 2026-10 is closed")
                    let reply = try await Self.get(port, "ob=\(ob)&period=2026-11")
                    #expect(reply.status == 200, "\(reply.body)")
                    replies.append(try Self.decode(reply))
                }
                return replies
            }
            let adjusted = late.filter { $0.lines.contains { $0.kind == "adjustment" } }
            #expect(!adjusted.isEmpty, "no late adjustments previewed")
            for preview in adjusted {
                #expect(preview.freshness.partitions.map(\.nextOffset) == [900, 500])
                try Self.expectEqual(
                    preview, manifestPath: try Self.close(fixture, loop, ob: preview.ob, period: "2026-11"))
            }
        }
    }

    @Test("unknown OB or period answers 404 naming it; malformed parameters answer 400")
    func errors() async throws {
        let fixture = try EngineFixture()
        let engine = try fixture.makeEngine()
        defer { engine.shutdown() }
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: .now)
        consumer.events = [
            .assign([Self.audit, Self.gateway]), .messages(try EngineFixture.messages(audit: 60, gateway: 40)),
        ]
        try loop.step(now: nil)
        try loop.step(now: nil)
        try await Self.withServer(fixture) { port in
            let replies = try await Self.stepping(loop) {
                var replies: [String: HTTPEndpointsTests.Reply] = [:]
                for query in [
                    "ob=ZZZ", "ob=ESP&period=2031-01", "ob=ESP&period=2019-01", "ob=esp", "ob=ESP&period=2026-13",
                    "period=2026-10", "ob=ESP",
                ] {
                    replies[query] = try await Self.get(port, query)
                }
                return replies
            }
            func error(_ query: String) throws -> [String: String] {
                let body = Data((replies[query]?.body ?? "").utf8)
                let object = try JSONSerialization.jsonObject(with: body) as? [String: String]
                return try #require(object, "\(query): not a JSON error")
            }
            #expect(replies["ob=ZZZ"]?.status == 404)
            #expect(try error("ob=ZZZ")["error"]?.contains("unknown OB ZZZ") == true)
            #expect(try error("ob=ZZZ")["parameter"] == "ob")
            for query in ["ob=ESP&period=2031-01", "ob=ESP&period=2019-01"] {
                #expect(replies[query]?.status == 404, "\(query)")
                #expect(try error(query)["parameter"] == "period")
                let message = try error(query)["error"] ?? ""
                #expect(message.contains(query.suffix(7)), "\(query): \(message)")
            }
            for query in ["ob=esp", "ob=ESP&period=2026-13", "period=2026-10"] {
                #expect(replies[query]?.status == 400, "\(query)")
                #expect(try error(query)["code"] == "usage")
            }
            // Without a period: the OB's current open period, by its zone's wall clock.
            let current = try Self.decode(try #require(replies["ob=ESP"]))
            let calendar = try #require(try EngineFixture.zones().calendar(forOB: "ESP"))
            #expect(current.period == (try calendar.period(ofUTCMillis: LiveStateView.wallClockMs())).description)
            #expect(current.provisional && !current.readiness.ready && current.readiness.readyAt != nil)

            // `aura-billing preview` prints the same preview as JSON, or as a table.
            let url = "http://127.0.0.1:\(port)"
            let json = try await Self.cli(["--url", url, "--ob", "ESP", "--format", "json"])
            #expect(json.status == 0)
            #expect(try JSONDecoder().decode(InvoicePreview.self, from: Data(json.stdout.utf8)) == current)
            let table = try await Self.cli(["--url", url, "--ob", "ESP"])
            #expect(table.status == 0)
            #expect(table.stdout == current.table())
            #expect(table.stdout.hasPrefix("PROVISIONAL invoice ESP \(current.period)"))
            let totalLine = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix("total ") })
            #expect(totalLine.hasSuffix("\(current.total) \(current.currency)"))
            for line in current.lines { #expect(table.stdout.contains(line.amount)) }
            let unknown = try await Self.cli(["--url", url, "--ob", "ZZZ"])
            #expect(unknown.status == 1)
        }
    }

    /// Runs `aura-billing preview <arguments>` (`ReplayInvoicesTests.run`, off the cooperative pool).
    static func cli(_ arguments: [String]) async throws -> ReplayInvoicesTests.Run {
        try await Blocking.run { try ReplayInvoicesTests.run(["preview"] + arguments) }
    }
}
