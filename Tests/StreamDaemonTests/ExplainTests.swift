import Aggregation
import Foundation
import Invoicing
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import KafkaBridge
@testable import StreamDaemon

/// `explain` on real data: the replay fixtures (closed invoices with manifests, late events, open
/// periods) and the daemon's consumer loop answering over HTTP. Every line of every invoice must
/// add up exactly: per app/service and per day to its quantity, its bands to its amount.
@Suite("Explain a line")
struct ExplainTests {
    typealias Fixtures = ReplayInvoicesTests

    /// Replays the fixtures into `<dir>/state` (with `--grace-hours 0` and invoices under
    /// `<dir>/invoices` when `closing`, gateway file first so the audit file has late events).
    static func replay(into dir: String, closing: Bool, catalog: String = Fixtures.catalog) throws {
        var job = ReplayJob(files: closing ? Fixtures.inputFiles.reversed() : Fixtures.inputFiles)
        job.stateDirectory = dir + "/state"
        job.dimensionsDirectory = Fixtures.fixtures.appendingPathComponent("dims").path
        if closing {
            job.graceHours = 0
            job.invoicesDirectory = dir + "/invoices"
            job.catalogPath = catalog
        }
        _ = try job.run { _ in }
    }

    static func explaining(_ dir: String, invoices: Bool, catalog: String = Fixtures.catalog) throws
        -> LineExplaining
    {
        LineExplaining(
            context: try InvoicingContext(
                tariffsPath: catalog, dimensionsDir: Fixtures.fixtures.appendingPathComponent("dims").path),
            invoicesDir: invoices ? dir + "/invoices" : nil, stateDir: dir + "/state")
    }

    static func money(_ text: String) throws -> Money { try Money(parsing: text) }

    /// The deploy catalog with the bounds of each band list cut to 1, 2, … queries, so the
    /// fixtures' few queries per component cross graduated and volume bands, and the euro
    /// list's graduated price on a component of the fixtures; written to `dir`.
    static func smallBandsCatalog(in dir: String) throws -> String {
        var lines: [String] = []
        var bound = 0
        for line in try String(contentsOfFile: Fixtures.catalog, encoding: .utf8).components(separatedBy: "\n") {
            if line.trimmingCharacters(in: .whitespaces) == "bands:" { bound = 0 }
            if let range = line.range(of: #"up_to: [0-9]+,"#, options: .regularExpression) {
                bound += 1
                lines.append(line.replacingCharacters(in: range, with: "up_to: \(bound),"))
            } else {
                lines.append(line)
            }
        }
        var text = lines.joined(separator: "\n")
        // The fixtures have no ASR queries: the euro list's graduated ASR price goes to a
        // component they have.
        let asr = "      aura-asr:\n        tiers: graduated"
        let range = try #require(text.range(of: asr))
        text.replaceSubrange(range, with: "      aura-ai-llm-router:\n        tiers: graduated")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/tariffs.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Every line's breakdowns add up to it, and the lines (+ fee + top-up) to the total.
    static func expectAddsUp(_ e: InvoiceExplanation) throws {
        let currency = try #require(Currency(code: e.currency))
        var sum = Money.zero
        for line in e.lines {
            let label = "\(e.ob) \(e.period) \(line.kind) \(line.component)"
            #expect(line.byAppService.reduce(0) { $0 + $1.quantity } == line.quantity, "\(label) per app/service")
            #expect(line.byDay.reduce(0) { $0 + $1.quantity } == line.quantity, "\(label) per day")
            #expect(line.daysUnknown == 0, "\(label) days unknown")
            var exact = Money.zero
            for band in line.bands {
                #expect(try money(band.unitPrice).multiplied(by: band.quantity) == money(band.amount), "\(label) band")
                #expect(
                    band.through - band.from + 1 == band.quantity || line.pricing == "volume", "\(label) band range")
                exact = try exact.adding(money(band.amount))
            }
            for band in line.bandsBefore ?? [] { exact = try exact.subtracting(money(band.amount)) }
            #expect(exact == (try money(line.exactAmount)), "\(label) Σ bands")
            #expect(currency.round(exact) == (try money(line.amount)), "\(label) rounded amount")
            let banded =
                line.bands.reduce(0) { $0 + $1.quantity } - (line.bandsBefore ?? []).reduce(0) { $0 + $1.quantity }
            #expect(banded == line.quantity, "\(label) band quantities")
            sum = try sum.adding(money(line.amount))
        }
        sum = try sum.adding(money(e.monthlyFee)).adding(money(e.minimumTopUp))
        #expect(sum == (try money(e.total)), "\(e.ob) \(e.period) Σ lines + fee + top-up")
    }

    /// `e` explains the closed revision 1 of the manifest at `path`: its total, its amounts per
    /// kind of line, its queries and requests are the manifest's.
    static func expectMatches(_ e: InvoiceExplanation, manifest path: String) throws {
        let label = "\(e.ob) \(e.period)"
        let manifest = try Fixtures.manifest(path)
        let totals = try #require(manifest["totals"] as? [String: Any])
        #expect(e.status == "closed" && !e.provisional && e.revision == 1, "\(label)")
        #expect(e.total == totals["total"] as? String && e.manifestTotal == e.total, "\(label) total")
        #expect(e.currency == totals["currency"] as? String, "\(label) currency")
        #expect(e.invoiceNumber == manifest["invoice_number"] as? String, "\(label) invoice number")
        func amounts(_ kind: String) throws -> Money {
            try e.lines.filter { $0.kind == kind }.reduce(Money.zero) { try $0.adding(Self.money($1.amount)) }
        }
        let currency = try #require(Currency(code: e.currency))
        #expect(currency.format(try amounts("component")) == totals["components"] as? String, "\(label)")
        #expect(currency.format(try amounts("requests")) == totals["requests"] as? String, "\(label)")
        #expect(currency.format(try amounts("adjustment")) == totals["adjustments"] as? String, "\(label)")
        let queries = e.lines.filter { $0.kind == "component" }.reduce(0) { $0 + $1.quantity }
        #expect(Int(queries) == totals["total_queries"] as? Int, "\(label) queries")
        #expect(
            Int(e.lines.first { $0.kind == "requests" }?.quantity ?? -1) == totals["total_requests"] as? Int,
            "\(label) requests")
    }

    @Test(
        "closed invoices of the fixtures: every line adds up and matches its manifest; late events show their original period"
    )
    func closedInvoices() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let catalog = try Self.smallBandsCatalog(in: dir)
        try Self.replay(into: dir, closing: true, catalog: catalog)
        let explaining = try Self.explaining(dir, invoices: true, catalog: catalog)
        let snapshot = explaining.context.snapshot
        let (state, replay) = try LineExplaining.loadState(directory: dir + "/state", zones: try snapshot.timeZones())
        #expect(replay)
        var explanations: [String: InvoiceExplanation] = [:]
        for (ob, period) in ReplayInvoiceWriter.targets(state) {
            let request = try ExplainRequest(ob: ob, period: period.description, component: nil)
            let e = try explaining.explain(request, state: state, replayFiles: true)
            try Self.expectAddsUp(e)
            try Self.expectMatches(e, manifest: "\(dir)/invoices/\(ob)/\(period)/manifest.json")
            #expect(Set(e.inputs.files.map(\.path)) == Set(Fixtures.inputFiles))
            explanations["\(ob) \(period)"] = e
        }
        #expect(!explanations.isEmpty)
        // Every adjustment line is late events of its original period, which the original
        // invoice's line shows as arrived after its close and billed here.
        var adjustments = 0
        var traced = 0
        for e in explanations.values {
            for line in e.lines where line.kind == "adjustment" {
                adjustments += 1
                let original = try #require(line.originalPeriod)
                #expect(original < e.period)
                #expect(line.late.map(\.originalPeriod) == [original] && line.late[0].quantity == line.quantity)
                #expect(line.byDay.allSatisfy { $0.date.hasPrefix(original + "-") })
                let before = try #require(explanations["\(e.ob) \(original)"])
                // (The original invoice has a line for the component when it had on-time queries.)
                if let source = before.lines.first(where: { $0.kind == "component" && $0.component == line.component })
                {
                    #expect(source.lateBilledLater.contains { $0.billedIn == e.period && $0.quantity == line.quantity })
                    traced += 1
                }
            }
            for line in e.lines where line.kind == "component" {
                #expect(line.byDay.allSatisfy { $0.date.hasPrefix(e.period + "-") })
            }
        }
        // Lines over several graduated bands, and volume lines at a band above the first.
        let lines = explanations.values.flatMap(\.lines)
        #expect(lines.contains { $0.pricing == "graduated" && $0.bands.count > 1 })
        #expect(lines.contains { $0.pricing == "volume" && $0.bands.first?.upTo != 1 })
        #expect(adjustments > 0 && traced > 0, "the fixtures replayed with --grace-hours 0 have late events")
        // One line selected by --component.
        let (key, some) = try #require(explanations.first { $0.value.lines.contains { $0.kind == "component" } })
        let component = try #require(some.lines.first { $0.kind == "component" }).component
        let parts = key.split(separator: " ").map(String.init)
        let one = try explaining.explain(
            try ExplainRequest(ob: parts[0], period: parts[1], component: component), state: state, replayFiles: true)
        #expect(one.lines.map(\.component) == [component] && one.total == some.total)
    }

    @Test("open periods of the fixtures: provisional, every line adds up, quantities equal the truth files")
    func openPeriods() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.replay(into: dir, closing: false)
        let explaining = try Self.explaining(dir, invoices: false)
        let (state, _) = try LineExplaining.loadState(
            directory: dir + "/state", zones: try explaining.context.snapshot.timeZones())
        let queries = try Fixtures.truthTotals("audit-2k.deflate.avro")
        let requests = try Fixtures.truthTotals("gateway-2k.deflate.avro")
        let keys = Set(queries.keys).union(requests.keys)
        for key in keys.sorted() {
            let parts = key.split(separator: "|").map(String.init)
            let e = try explaining.explain(
                try ExplainRequest(ob: parts[0], period: parts[1], component: nil), state: state, replayFiles: true)
            try Self.expectAddsUp(e)
            #expect(e.status == "open" && e.provisional && e.invoiceNumber == nil)
            #expect(e.lines.allSatisfy { $0.late.isEmpty && $0.lateBilledLater.isEmpty })
            let counted = e.lines.filter { $0.kind == "component" }.reduce(0) { $0 + $1.quantity }
            #expect(Int(counted) == queries[key] ?? 0, "\(key) queries")
            #expect(Int(e.lines.first { $0.kind == "requests" }?.quantity ?? -1) == requests[key] ?? 0)
            #expect(e.inputs.files.map(\.path).sorted() == Fixtures.inputFiles.sorted())
        }
    }

    @Test(
        "aura-billing explain --state reads a replay's state offline: JSON equals the library's, table shows the bands")
    func command() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Fixtures.executable.path))
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.replay(into: dir, closing: true)
        let explaining = try Self.explaining(dir, invoices: true)
        let (state, _) = try LineExplaining.loadState(
            directory: dir + "/state", zones: try explaining.context.snapshot.timeZones())
        let (ob, period) = try #require(ReplayInvoiceWriter.targets(state).first)
        let base = [
            "explain", "--ob", ob, "--period", period.description, "--state", dir + "/state", "--catalog",
            Fixtures.catalog, "--dimensions", Fixtures.fixtures.appendingPathComponent("dims").path, "--invoices",
            dir + "/invoices",
        ]
        let json = try Fixtures.run(base + ["--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let expected = try explaining.explain(
            try ExplainRequest(ob: ob, period: period.description, component: nil), state: state, replayFiles: true)
        #expect(try InvoiceExplanation.decode(Data(json.stdout.utf8)) == expected)
        let table = try Fixtures.run(base)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("bands:") && table.stdout.contains("total \(expected.total)"))
        let unknown = try Fixtures.run(base + ["--component", "no-such-component"])
        #expect(unknown.status == 1 && unknown.stderr.contains("unknown component no-such-component"))
    }

    /// What a request running beside the stepped loop answered.
    final class Answer: Sendable {
        let reply = Mutex<HTTPEndpointsTests.Reply?>(nil)
        var isSet: Bool { reply.withLock { $0 != nil } }
    }

    /// GETs `url` while stepping `loop` (the consumer thread answers the state read).
    static func ask(_ url: String, loop: ConsumerLoop) async throws -> HTTPEndpointsTests.Reply {
        let answer = Answer()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let reply = try await HTTPEndpointsTests.curl([url])
                answer.reply.withLock { $0 = reply }
            }
            #expect(try await ConsumerLoopCloseTests.poll(loop) { answer.isSet }, "no answer from \(url)")
            try await group.waitForAll()
        }
        return try #require(answer.reply.withLock { $0 })
    }

    /// Runs `aura-billing explain <arguments>` while stepping `loop` (which answers the
    /// endpoint's state reads).
    static func cli(_ arguments: [String], loop: ConsumerLoop) async throws -> Fixtures.Run {
        try await InvoicePreviewTests.stepping(loop) {
            try await Blocking.run { try Fixtures.run(["explain"] + arguments) }
        }
    }

    @Test(
        "GET /v1/invoices/explain on the daemon's loop: open, then closed from its manifest, the same through `aura-billing explain --config`; 400 and 404 name the parameter"
    )
    func daemonEndpoint() async throws {
        let fixture = try EngineFixture()
        let engine = try fixture.makeEngine()
        defer { engine.shutdown() }
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: .now)
        let issuing = fixture.issuing(delivery: nil)
        let worker = Thread { issuing.work() }
        worker.start()
        defer { fixture.invoices.stop() }
        let (first, second) = try ConsumerLoopTests.batches()
        consumer.events = [.assign([EngineFixture.audit, EngineFixture.gateway]), .messages(first), .messages(second)]
        for _ in 0..<3 { try loop.step(now: nil) }
        fixture.status.update { $0.lagKnown = true }
        // A period with usage, so its invoice has component lines.
        let merged = try engine.mergedState()
        let (ob, period) = try #require(
            ReplayInvoiceWriter.targets(merged).first { !merged.auditUsage(ob: $0.0, period: $0.1).isEmpty })
        var endpoints = HTTPEndpoints(
            metrics: fixture.metrics, status: fixture.status, adminToken: nil, close: { _ in "{}" })
        endpoints.explain = LineExplaining.daemonHandler(
            LineExplaining(
                context: fixture.context, invoicesDir: fixture.directory + "/invoices", stateDir: fixture.stateDir),
            control: fixture.control, status: fixture.status)
        try await HTTPEndpointsTests.withServer(endpoints) { port in
            let base = "http://127.0.0.1:\(port)/v1/invoices/explain?"

            let open = try await Self.ask(base + "ob=\(ob)&period=\(period)", loop: loop)
            #expect(open.status == 200, "\(open.body)")
            let provisional = try InvoiceExplanation.decode(Data(open.body.utf8))
            try Self.expectAddsUp(provisional)
            #expect(provisional.status == "open" && provisional.provisional)
            #expect(
                provisional.inputs.offsets.map { "\($0.topic)/\($0.partition) \($0.firstOffset)-\($0.lastOffset)" }
                    == ["aura.audit/0 0-599", "aura.gateway/0 0-399"])

            // Close it through the loop, let the background issue it, and explain it again.
            let closing = Answer()
            let control = fixture.control
            try await withThrowingTaskGroup(of: Void.self) { close in
                close.addTask {
                    _ = try await control.close(.period(period.description, ob: ob, force: true))
                    closing.reply.withLock { $0 = .init(status: 200, body: "") }
                }
                #expect(try await ConsumerLoopCloseTests.poll(loop) { closing.isSet }, "the close did not finish")
                try await close.waitForAll()
            }
            let closedReply = try await Self.ask(base + "ob=\(ob)&period=\(period)", loop: loop)
            #expect(closedReply.status == 200, "\(closedReply.body)")
            let closed = try InvoiceExplanation.decode(Data(closedReply.body.utf8))
            try Self.expectAddsUp(closed)
            #expect(closed.status == "closed" && !closed.provisional && closed.revision == 1)
            #expect(closed.manifestTotal == closed.total && closed.total == provisional.total)
            #expect(closed.lines == provisional.lines)
            #expect(closed.inputs == provisional.inputs)

            // `aura-billing explain --config FILE` asks this endpoint (http.address of FILE) and
            // prints what it answered: as JSON, as a table, one component; an error exits 1.
            let config = fixture.directory + "/explain-cli.yaml"
            try """
            kafka: { brokers: "127.0.0.1:9" }
            schemas: { files: { 1: "\(DaemonHarness.root.path)/deploy/schemas/Aura_Audit.avsc" } }
            state: { dir: "\(fixture.stateDir)" }
            quarantine: { file: "\(fixture.directory)/quarantine.jsonl" }
            http: { address: "127.0.0.1:\(port)" }
            """.write(toFile: config, atomically: true, encoding: .utf8)
            let asked = ["--ob", ob, "--period", period.description, "--config", config]
            let json = try await Self.cli(asked + ["--format", "json"], loop: loop)
            try #require(json.status == 0, "\(json.stderr)")
            #expect(try InvoiceExplanation.decode(Data(json.stdout.utf8)) == closed)
            let table = try await Self.cli(asked, loop: loop)
            #expect(table.status == 0, "\(table.stderr)")
            #expect(table.stdout == closed.table())
            #expect(table.stdout.contains("total \(closed.total)"))
            for line in closed.lines { #expect(table.stdout.contains(line.amount), "\(line.component)") }
            let line = try #require(closed.lines.first { $0.kind == "component" })
            let one = try await Self.cli(asked + ["--component", line.component, "--format", "json"], loop: loop)
            #expect(one.status == 0, "\(one.stderr)")
            let selected = try InvoiceExplanation.decode(Data(one.stdout.utf8))
            #expect(selected.lines == [line] && selected.total == closed.total)
            let unknown = try await Self.cli(
                ["--ob", "XXX", "--period", period.description, "--config", config], loop: loop)
            #expect(unknown.status == 1 && unknown.stdout.isEmpty)
            #expect(
                unknown.stderr.hasPrefix("explain: ") && unknown.stderr.contains("HTTP 404")
                    && unknown.stderr.contains("unknown OB XXX"), "\(unknown.stderr)")

            for (query, status, parameter) in [
                ("ob=XXX&period=\(period)", 404, "ob"), ("ob=\(ob)&period=2020-01", 404, "period"),
                ("ob=\(ob)&period=\(period)&component=nope", 404, "component"),
                ("ob=\(ob)&period=2026-13", 400, "period"), ("ob=es&period=\(period)", 400, "ob"),
                ("period=\(period)", 400, "ob"),
            ] {
                let reply = try await Self.ask(base + query, loop: loop)
                #expect(reply.status == status, "\(query): \(reply.body)")
                let object = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: String]
                #expect(object?["parameter"] == parameter, "\(query): \(reply.body)")
                #expect(object?["error"]?.isEmpty == false)
            }
        }
    }
}
