import Foundation
import Testing

@testable import StreamDaemon

/// `explain` and `reprice` scaled out (`state.changelog_topic`): an instance answers
/// `GET /v1/invoices/explain` from every partition's newest changelog state
/// (`LineExplaining.changelogHandler`), and `aura-billing reprice --config` reads the same states
/// (`DistributedCloser.repriceSource`). One cluster, one instance and one close of October serve both.
@Suite("Explain and reprice scaled out", .serialized)
struct ScaleOutExplainRepriceTests {
    typealias Fixtures = ReplayInvoicesTests

    @Test(
        "scaled out: every October invoice's explanation adds up to its manifest; reprice with the issued catalog differs by zero and issues the manifests' totals"
    )
    func explainAndRepriceFromTheChangelog() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Fixtures.executable.path))
        let period = ScaleOutTests.period
        let month = try ReliabilityMonth.make(seed: 41, audit: 2_000, gateway: 500)
        let harness = try DaemonHarness(auditPartitions: 4, gatewayPartitions: 2)
        let group = try ScaleOutGroup(harness: harness, changelogPartitions: 8)
        try harness.produce(month.messages)
        try group.start("a", environment: ScaleOutTests.fast)
        let port = try #require(group.instances["a"]?.port)
        #expect(
            harness.wait(seconds: 60) { group.covers(partitions: 6, consumed: month.messages.count) },
            "not consumed:\n\(group.logs)")

        // October closes through the instance's distributed closer (state from the changelog).
        let (status, body) = try harness.http(
            "/admin/close?period=\(period)&force=true", method: "POST", token: harness.adminToken, port: port)
        #expect(status == 200, "\(body)\n\(group.logs)")
        let report = try JSONDecoder().decode(CloseReport.self, from: Data(body.utf8))
        let obs = ReliabilityCloseTests.octoberOBs(month)
        #expect(obs.count > 1, "\(obs)")
        #expect(report.errors.isEmpty && report.closed.map(\.ob).sorted() == obs, "\(report)")
        let invoices = harness.directory.appendingPathComponent("invoices").path

        // Explain: every line of every October invoice adds up, and the lines to the manifest.
        for ob in obs {
            let (status, body) = try harness.http("/v1/invoices/explain?ob=\(ob)&period=\(period)", port: port)
            #expect(status == 200, "\(ob): \(body)")
            guard status == 200 else { continue }
            let explanation = try InvoiceExplanation.decode(Data(body.utf8))
            try ExplainTests.expectAddsUp(explanation)
            try ExplainTests.expectMatches(explanation, manifest: "\(invoices)/\(ob)/\(period)/manifest.json")
            #expect(explanation.inputs.offsets.reduce(0) { $0 + $1.lastOffset - $1.firstOffset + 1 } > 0)
        }
        let (unknown, error) = try harness.http("/v1/invoices/explain?ob=XXX&period=\(period)", port: port)
        #expect(unknown == 404 && error.contains("unknown OB XXX"), "\(error)")

        // Reprice with the catalog in force, from the changelog (the scale-out keys of the
        // environment): nothing differs, the issued amounts are the manifests'.
        let before = ScaleOutGroup.files(under: invoices)
        let run = try Fixtures.runTool(
            Fixtures.executable.path,
            [
                "reprice", "--period", period, "--catalog", Fixtures.catalog, "--config", harness.configPath,
                "--format", "json",
            ], environment: ScaleOutGroup.environment)
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let repriced = try RepriceCommandTests.invoices(json)
        #expect(Set(repriced.keys) == Set(obs))
        var sums: [String: Decimal] = [:]
        for (ob, invoice) in repriced {
            let manifest = try Fixtures.manifest("\(invoices)/\(ob)/\(period)/manifest.json")
            let totals = try #require(manifest["totals"] as? [String: Any])
            #expect(invoice["status"] as? String == "closed", "\(ob)")
            #expect(invoice["issued_total"] as? String == totals["total"] as? String, "\(ob)")
            #expect(invoice["candidate_total"] as? String == totals["total"] as? String, "\(ob)")
            let lines = try #require(invoice["lines"] as? [[String: Any]])
            #expect(!lines.isEmpty, "\(ob)")
            for line in lines { #expect(try RepriceCommandTests.centsOf(line["difference"]) == 0, "\(ob) \(line)") }
            let currency = try #require(totals["currency"] as? String)
            let total = try #require(totals["total"] as? String)
            sums[currency, default: 0] += try #require(Decimal(string: total))
        }
        let perCurrency = try #require(json["totals"] as? [[String: Any]])
        #expect(perCurrency.count == sums.count)
        for row in perCurrency {
            let currency = try #require(row["currency"] as? String)
            let issued = try #require(row["issued"] as? String)
            #expect(Decimal(string: issued) == sums[currency], "\(currency)")
            #expect(row["issued"] as? String == row["candidate"] as? String, "\(currency)")
        }
        #expect(ScaleOutGroup.files(under: invoices) == before, "reprice wrote in the invoice directory")
        #expect(group.stop("a", signal: SIGTERM) == 0, "\(group.log("a"))")
    }
}
