import Foundation
import Testing

/// Runs the real `aura-billing replay --state --invoices` on the datagen fixtures, then the real
/// `aura-billing reprice` on that state directory, and checks what it prints against the
/// manifests, hand-computed amounts and the files it must not touch.
@Suite("aura-billing reprice")
struct RepriceCommandTests {
    typealias Replay = ReplayInvoicesTests

    /// A replayed state directory and invoice directory under one temporary root.
    struct Fixture {
        var root: String
        var state: String { root + "/state" }
        var invoices: String { root + "/invoices" }

        /// `replay --state --invoices` of both fixtures with the deploy catalog.
        init() throws {
            root = Replay.temporaryDirectory()
            let result = try Replay.replay(invoices: root + "/invoices", extra: ["--state", root + "/state"])
            #expect(result.status == 0, "\(result.stderr)")
        }

        /// `reprice` of 2026-10 on the replayed state with the invoices and dimensions.
        func reprice(catalog: String, _ extra: [String] = []) throws -> Replay.Run {
            try Replay.run(
                [
                    "reprice", "--period", "2026-10", "--catalog", catalog, "--state", state, "--invoices", invoices,
                    "--dimensions", Replay.fixtures.appendingPathComponent("dims").path,
                ] + extra)
        }

        func json(catalog: String) throws -> [String: Any] {
            let run = try reprice(catalog: catalog, ["--format", "json"])
            #expect(run.status == 0, "\(run.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }
    }

    static func invoices(_ report: [String: Any]) throws -> [String: [String: Any]] {
        let list = try #require(report["invoices"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: try list.map { (try #require($0["ob"] as? String), $0) })
    }

    /// `queries × price` (price in millionths) rounded half-even to cents, in cents.
    static func cents(_ queries: Int, micros: Int) -> Int {
        let exact = queries * micros  // millionths
        let (quotient, remainder) = exact.quotientAndRemainder(dividingBy: 10_000)
        if remainder * 2 > 10_000 || (remainder * 2 == 10_000 && quotient % 2 == 1) { return quotient + 1 }
        return quotient
    }

    /// Two graduated bands: `a × p + b × q` rounded once, in cents.
    static func cents(_ a: Int, micros p: Int, plus b: Int, micros q: Int) -> Int {
        cents(1, micros: a * p + b * q)
    }

    static func centsOf(_ text: Any?) throws -> Int {
        let string = try #require(text as? String)
        let decimal = try #require(Decimal(string: string))
        return NSDecimalNumber(decimal: decimal * 100).intValue
    }

    @Test(
        "the issued catalog as candidate: every difference zero, issued totals equal the closed manifests, nothing written"
    )
    func identicalCatalog() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Replay.executable.path))
        let fixture = try Fixture()
        defer { fixture.remove() }
        let before = try Replay.tree(fixture.root)
        let report = try fixture.json(catalog: Replay.catalog)
        let invoices = try Self.invoices(report)
        let expected = Set(try Replay.truthTotals("audit-2k.deflate.avro").keys)
            .union(try Replay.truthTotals("gateway-2k.deflate.avro").keys)
            .filter { $0.hasSuffix("|2026-10") }.map { String($0.prefix(3)) }
        #expect(Set(invoices.keys) == Set(expected))
        var sums: [String: Decimal] = [:]
        for (ob, invoice) in invoices {
            let manifest = try Replay.manifest("\(fixture.invoices)/\(ob)/2026-10/manifest.json")
            let totals = try #require(manifest["totals"] as? [String: Any])
            #expect(invoice["status"] as? String == "closed")
            #expect((invoice["issued_from"] as? String)?.hasPrefix("closed invoice revision 1") == true, "\(ob)")
            #expect(invoice["issued_total"] as? String == totals["total"] as? String, "\(ob)")
            #expect(invoice["candidate_total"] as? String == totals["total"] as? String, "\(ob)")
            #expect(invoice["issued_currency"] as? String == totals["currency"] as? String)
            let lines = try #require(invoice["lines"] as? [[String: Any]])
            #expect(lines.count >= 6)
            for line in lines {
                #expect(try Self.centsOf(line["difference"]) == 0, "\(ob) \(line)")
            }
            let currency = try #require(totals["currency"] as? String)
            let total = try #require(totals["total"] as? String)
            sums[currency, default: 0] += try #require(Decimal(string: total))
        }
        let perCurrency = try #require(report["totals"] as? [[String: Any]])
        #expect(perCurrency.count == sums.count)
        for row in perCurrency {
            let currency = try #require(row["currency"] as? String)
            let issued = try #require(row["issued"] as? String)
            #expect(Decimal(string: issued) == sums[currency], "\(currency)")
            #expect(row["issued"] as? String == row["candidate"] as? String)
        }
        // The table names the source of "issued" and ends with the totals per currency.
        let table = try fixture.reprice(catalog: Replay.catalog, ["--ob", "ESP"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("ESP 2026-10 closed: issued = closed invoice revision 1"))
        #expect(table.stdout.contains("Totals per currency"))
        #expect(!table.stdout.contains("DEU 2026-10"))
        #expect(try Replay.tree(fixture.root) == before)
    }

    @Test("changed unit prices, tiers and currency: differences equal hand-computed fixed-point amounts")
    func changedCatalog() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Replay.executable.path))
        let fixture = try Fixture()
        defer { fixture.remove() }
        var yaml = try String(contentsOfFile: Replay.catalog, encoding: .utf8)
        // EUR: default unit price 0.0010 → 0.0013, request price 0.0002 → 0.00025, the first
        // volume band of aura-tts 0.0030 → 0.0037, and a new graduated tier for the webchat
        // connector (50 at 0.0010, the rest at 0.0004); GBP becomes EUR.
        let edits = [
            (#"default_unit_price: "0.0010""#, #"default_unit_price: "0.0013""#),
            (#"request_price: "0.0002""#, #"request_price: "0.00025""#),
            (
                #"aura-nlu: "0.0025""#,
                """
                aura-nlu: "0.0025"
                      aura-bot-connector-webchat:
                        tiers: graduated
                        bands:
                          - { up_to: 50, unit_price: "0.0010" }
                          - { unit_price: "0.0004" }
                """
            ),
            (#"{ up_to: 100000, unit_price: "0.0030" }"#, #"{ up_to: 100000, unit_price: "0.0037" }"#),
            ("gbp-standard:\n    currency: GBP", "gbp-standard:\n    currency: EUR"),
        ]
        for (old, new) in edits {
            #expect(yaml.contains(old), "\(old)")
            yaml = yaml.replacingOccurrences(of: old, with: new)
        }
        let candidate = fixture.root + "/candidate.yaml"
        try yaml.write(toFile: candidate, atomically: true, encoding: .utf8)
        let before = try Replay.tree(fixture.root)
        let invoices = try Self.invoices(try fixture.json(catalog: candidate))
        for ob in ["ESP", "DEU"] {
            let invoice = try #require(invoices[ob])
            let lines = try #require(invoice["lines"] as? [[String: Any]])
            var componentDelta = 0
            var checked: Set<String> = []
            for line in lines where line["kind"] as? String == "component" {
                let component = try #require(line["component"] as? String)
                let queries = try #require(line["quantity"] as? Int)
                let (issued, candidate): (Int, Int)
                switch component {
                case "aura-bot-connector-webchat":
                    issued = Self.cents(queries, micros: 1000)
                    candidate = Self.cents(min(queries, 50), micros: 1000, plus: max(0, queries - 50), micros: 400)
                case "aura-tts":
                    (issued, candidate) = (Self.cents(queries, micros: 3000), Self.cents(queries, micros: 3700))
                default:
                    (issued, candidate) = (Self.cents(queries, micros: 1000), Self.cents(queries, micros: 1300))
                }
                #expect(try Self.centsOf(line["issued"]) == issued, "\(ob) \(component) \(queries) queries")
                #expect(try Self.centsOf(line["candidate"]) == candidate, "\(ob) \(component) \(queries) queries")
                #expect(try Self.centsOf(line["difference"]) == candidate - issued, "\(ob) \(component)")
                componentDelta += candidate - issued
                checked.insert(component)
            }
            #expect(checked.contains("aura-bot-connector-webchat") && checked.contains("aura-tts"), "\(ob)")
            let requests = try #require(lines.first { $0["kind"] as? String == "requests" })
            let messages = try #require(requests["quantity"] as? Int)
            let requestDelta = Self.cents(messages, micros: 250) - Self.cents(messages, micros: 200)
            #expect(try Self.centsOf(requests["difference"]) == requestDelta, "\(ob) \(messages) requests")
            // DEU has no minimum: the total moves by the line deltas. ESP's minimum (5000.00)
            // absorbs them in the top-up.
            let total = try Self.centsOf(invoice["difference"])
            if ob == "DEU" {
                #expect(total == componentDelta + requestDelta)
            } else {
                #expect(total == 0)
                let topUp = try #require(lines.first { $0["kind"] as? String == "minimum_top_up" })
                #expect(try Self.centsOf(topUp["difference"]) == -(componentDelta + requestDelta))
            }
        }
        // GBR changes currency: both totals shown, no difference.
        let britain = try #require(invoices["GBR"])
        #expect(britain["issued_currency"] as? String == "GBP")
        #expect(britain["candidate_currency"] as? String == "EUR")
        #expect(britain["difference"] == nil)
        #expect(britain["issued_total"] as? String != nil && britain["candidate_total"] as? String != nil)
        #expect(try Replay.tree(fixture.root) == before)
    }

    @Test("an open period: issued is the state priced under --current-catalog, and the report says so")
    func openPeriod() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Replay.executable.path))
        let root = Replay.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Without --invoices the replay closes nothing: 2026-10 stays open in the state.
        let replay = try Replay.run(["replay", "--state", root + "/state"] + Replay.inputFiles)
        #expect(replay.status == 0, "\(replay.stderr)")
        let run = try Replay.run([
            "reprice", "--period", "2026-10", "--catalog", Replay.catalog, "--state", root + "/state",
            "--current-catalog", Replay.catalog, "--ob", "DEU", "--format", "json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let invoices = try Self.invoices(report)
        #expect(Array(invoices.keys) == ["DEU"])
        let invoice = try #require(invoices["DEU"])
        #expect(invoice["status"] as? String == "open")
        #expect(invoice["issued_from"] as? String == "open period: the state priced under the current catalog")
        #expect(invoice["issued_total"] as? String != nil)
        #expect(invoice["issued_total"] as? String == invoice["candidate_total"] as? String)
        #expect(try Self.centsOf(invoice["difference"]) == 0)
        // An OB or period without usage in the state is an error naming it.
        let unknown = try Replay.run([
            "reprice", "--period", "2026-10", "--catalog", Replay.catalog, "--state", root + "/state", "--ob", "JPN",
        ])
        #expect(unknown.status == 1)
        #expect(unknown.stdout.isEmpty)
        #expect(unknown.stderr.contains("no usage of JPN in 2026-10"), "\(unknown.stderr)")
    }

    @Test("--config reads state.dir (the topics' checkpoints and journals), tariffs.path and invoices.dir like --state")
    func configuration() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Replay.executable.path))
        let fixture = try Fixture()
        defer { fixture.remove() }
        // A daemon's state directory: the same checkpoint under a partition's name, the journals,
        // and a checkpoint of another stem that must be left out.
        let daemonState = fixture.root + "/daemon-state"
        try FileManager.default.createDirectory(atPath: daemonState, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.state + "/closes", toPath: daemonState + "/closes")
        for file in try FileManager.default.contentsOfDirectory(atPath: fixture.state) where file.hasPrefix("replay.") {
            try FileManager.default.copyItem(
                atPath: fixture.state + "/" + file,
                toPath: daemonState + "/aura.audit-0" + file.dropFirst("replay".count))
            try FileManager.default.copyItem(
                atPath: fixture.state + "/" + file, toPath: daemonState + "/other-0" + file.dropFirst("replay".count))
        }
        let config = fixture.root + "/config.yaml"
        try """
        kafka:
          brokers: "localhost:9092"
          topics: { audit: "aura.audit", gateway: "aura.gateway" }
        schemas:
          files: { 1: "schemas/Aura_Audit.avsc" }
        state:
          dir: "\(daemonState)"
        tariffs:
          path: "\(Replay.catalog)"
        dimensions:
          dir: "\(Replay.fixtures.appendingPathComponent("dims").path)"
        invoices:
          dir: "\(fixture.invoices)"

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try Replay.run(
            ["reprice", "--period", "2026-10", "--catalog", Replay.catalog, "--config", config, "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let viaConfig = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let viaState = try fixture.json(catalog: Replay.catalog)
        let a = try Self.invoices(viaConfig)
        let b = try Self.invoices(viaState)
        #expect(Set(a.keys) == Set(b.keys))
        for (ob, invoice) in b {
            #expect(a[ob]?["issued_from"] as? String == invoice["issued_from"] as? String, "\(ob)")
            #expect(a[ob]?["issued_total"] as? String == invoice["issued_total"] as? String, "\(ob)")
            #expect(a[ob]?["candidate_total"] as? String == invoice["candidate_total"] as? String, "\(ob)")
        }
    }

    @Test("a candidate catalog with errors: every problem with file:line on stderr, exit 1")
    func invalidCandidate() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Replay.executable.path))
        let root = Replay.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let candidate = root + "/candidate.yaml"
        let yaml = """
            catalog_version: "2026.11"
            effective_from: "2026-10"
            price_lists:
              eur:
                currency: EUR
                default_unit_price: 0.0010
                request_price: "0.0002"
            obs:
              ESP: { price_list: nowhere }
            default_ob: { price_list: eur }

            """
        try yaml.write(toFile: candidate, atomically: true, encoding: .utf8)
        let run = try Replay.run(
            ["reprice", "--period", "2026-10", "--catalog", candidate, "--state", root + "/no-state"])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("\(candidate):6: "), "\(run.stderr)")
        #expect(run.stderr.contains("\(candidate):9: "), "\(run.stderr)")
        #expect(run.stderr.contains("2 problem(s) in the candidate catalog"), "\(run.stderr)")
    }

    @Test("--format xlsx writes a workbook openpyxl reads, with the JSON report's totals")
    func workbook() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Replay.executable.path))
        let fixture = try Fixture()
        defer { fixture.remove() }
        let out = fixture.root + "/what-if.xlsx"
        let run = try fixture.reprice(catalog: Replay.catalog, ["--format", "xlsx", "--out", out])
        #expect(run.status == 0, "\(run.stderr)")
        let script = """
            import sys, openpyxl
            wb = openpyxl.load_workbook(sys.argv[1])
            print(",".join(wb.sheetnames))
            for row in wb["Totals"].iter_rows(min_row=2, values_only=True):
                print("\\t".join(repr(v) for v in row))
            print(sum(1 for row in wb["Lines"].iter_rows(min_row=2, values_only=True) if row[3] == "TOTAL"))
            """
        let python = try Replay.runTool("/usr/bin/python3", ["-c", script, out])
        #expect(python.status == 0, "\(python.stderr)")
        let rows = python.stdout.split(separator: "\n").map(String.init)
        #expect(rows.first == "Lines,Totals,Sources")
        let report = try fixture.json(catalog: Replay.catalog)
        let totals = try #require(report["totals"] as? [[String: Any]])
        #expect(rows.count == totals.count + 2)
        for (row, total) in zip(rows.dropFirst(), totals) {
            let cells = row.split(separator: "\t").map(String.init)
            #expect(cells.count == 4)
            #expect(cells.first == "'\(total["currency"] as? String ?? "?")'")
            #expect(Decimal(string: cells[1]) == Decimal(string: total["issued"] as? String ?? "?"), "\(row)")
        }
        #expect(rows.last == String(try Self.invoices(report).count))
    }
}
