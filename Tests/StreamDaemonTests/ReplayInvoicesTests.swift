import Foundation
import Testing

/// Runs the real `aura-billing replay --invoices` on the datagen fixtures with the deploy catalog,
/// then reads the results back: manifests (JSON), `aura-billing verify`, and openpyxl.
@Suite("aura-billing replay --invoices")
struct ReplayInvoicesTests {
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "aura-billing")
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = repository.appendingPathComponent("Tests/AvroTests/Fixtures")
    static let catalog = repository.appendingPathComponent("deploy/tariffs.yaml").path
    static let inputFiles = ["audit-2k.deflate.avro", "gateway-2k.deflate.avro"].map {
        fixtures.appendingPathComponent($0).path
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `aura-billing` with `arguments`.
    static func run(_ arguments: [String]) throws -> Run {
        try runTool(executable.path, arguments)
    }

    /// `replay --invoices DIR` over both fixtures with the deploy catalog and the fixture dimensions.
    static func replay(invoices: String, extra: [String] = [], files: [String] = inputFiles) throws -> Run {
        try run(
            [
                "replay", "--invoices", invoices, "--catalog", catalog,
                "--dimensions", fixtures.appendingPathComponent("dims").path,
            ] + extra + files)
    }

    static func temporaryDirectory() -> String {
        NSTemporaryDirectory() + "aura-replay-inv-\(UUID().uuidString)"
    }

    /// `totals_by_ob_month` of a truth file: "OB|YYYY-MM" → unique records.
    static func truthTotals(_ file: String) throws -> [String: Int] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent(file + ".truth.json"))
        let truth = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(truth["totals_by_ob_month"] as? [String: Int])
    }

    /// Every regular file under `directory`, relative path → bytes.
    static func tree(_ directory: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = try #require(FileManager.default.enumerator(atPath: directory))
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = directory + "/" + relative
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        return result
    }

    static func manifest(_ path: String) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    /// The `invoice OB PERIOD TOTAL CURRENCY PATH` lines of some output.
    static func invoiceLines(_ text: String) -> [[String]] {
        text.split(separator: "\n").filter { $0.hasPrefix("invoice ") }
            .map { $0.split(separator: " ", maxSplits: 5).map(String.init) }
    }

    @Test("an invoice for every OB and month of the truth files, with the truth's query and request counts")
    func countsMatchTruth() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable.path))
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try Self.replay(invoices: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("records 4000  duplicates 40"))

        let queries = try Self.truthTotals("audit-2k.deflate.avro")
        let requests = try Self.truthTotals("gateway-2k.deflate.avro")
        let expectedKeys = Set(queries.keys).union(requests.keys)
        let lines = Self.invoiceLines(result.stdout)
        #expect(Set(lines.map { "\($0[1])|\($0[2])" }) == expectedKeys)
        #expect(lines.count == expectedKeys.count)
        for key in expectedKeys.sorted() {
            let parts = key.split(separator: "|").map(String.init)
            let manifest = try Self.manifest("\(dir)/\(parts[0])/\(parts[1])/manifest.json")
            let totals = try #require(manifest["totals"] as? [String: Any])
            #expect(totals["total_queries"] as? Int == queries[key] ?? 0, "\(key) queries")
            #expect(totals["total_requests"] as? Int == requests[key] ?? 0, "\(key) requests")
            let inputs = try #require(manifest["inputs"] as? [String: Any])
            let files = try #require(inputs["files"] as? [[String: Any]])
            #expect(Set(files.compactMap { $0["path"] as? String }) == Set(Self.inputFiles))
            // The printed line names this invoice's workbook and its total.
            let line = try #require(lines.first { $0[1] == parts[0] && $0[2] == parts[1] })
            #expect(line[3] == totals["total"] as? String)
            #expect(line[4] == totals["currency"] as? String)
            #expect(line[5] == "\(dir)/\(parts[0])/\(parts[1])/aura-invoice-\(parts[0])-\(parts[1]).xlsx")
        }
    }

    @Test("--format json keeps stdout one JSON document and prints the invoice lines on stderr")
    func jsonFormat() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable.path))
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try Self.replay(invoices: dir, extra: ["--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["records"] as? Int == 4000)
        #expect(Self.invoiceLines(result.stdout).isEmpty)
        let lines = Self.invoiceLines(result.stderr)
        let expected = Set(try Self.truthTotals("audit-2k.deflate.avro").keys)
            .union(try Self.truthTotals("gateway-2k.deflate.avro").keys)
        #expect(Set(lines.map { "\($0[1])|\($0[2])" }) == expected)
    }

    @Test("running the same replay twice leaves every file byte-identical and writes no -r2")
    func rerunIsIdempotent() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable.path))
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try Self.replay(invoices: dir)
        #expect(first.status == 0, "\(first.stderr)")
        let before = try Self.tree(dir)
        #expect(before.keys.contains { $0.hasSuffix(".xlsx") })
        let second = try Self.replay(invoices: dir)
        #expect(second.status == 0, "\(second.stderr)")
        let after = try Self.tree(dir)
        #expect(after == before)
        #expect(!after.keys.contains { $0.contains("-r2") })
        #expect(Self.invoiceLines(second.stdout) == Self.invoiceLines(first.stdout))
    }

    @Test(
        "with --state the first close instant is recorded and reused: a rerun with another --closed-at changes nothing")
    func recordedClosedAtWins() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable.path))
        let dir = Self.temporaryDirectory()
        let state = Self.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: state)
        }
        let first = try Self.replay(invoices: dir, extra: ["--state", state, "--closed-at", "2026-11-02T08:00:00Z"])
        #expect(first.status == 0, "\(first.stderr)")
        let before = try Self.tree(dir)
        let esp = try Self.manifest("\(dir)/ESP/2026-10/manifest.json")
        #expect(esp["closed_at"] as? String == "2026-11-02T08:00:00Z")
        let second = try Self.replay(invoices: dir, extra: ["--state", state, "--closed-at", "2026-12-01T00:00:00Z"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try Self.tree(dir) == before)

        // Without the state, the other instant is a different invoice: a new revision, never an overwrite.
        let third = try Self.replay(invoices: dir, extra: ["--closed-at", "2026-12-01T00:00:00Z"])
        #expect(third.status == 0, "\(third.stderr)")
        let after = try Self.tree(dir)
        for (path, data) in before { #expect(after[path] == data, "\(path) overwritten") }
        #expect(after.keys.contains("ESP/2026-10/manifest-r2.json"))
    }

    @Test("aura-billing verify accepts the replay's invoices and rejects a tampered manifest total")
    func verify() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable.path))
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try Self.replay(invoices: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let verified = try Self.run(["verify", dir])
        #expect(verified.status == 0, "\(verified.stdout)")
        #expect(verified.stdout.contains("\(Self.invoiceLines(result.stdout).count) invoice(s), 0 failed"))

        let path = "\(dir)/ESP/2026-10/manifest.json"
        var manifest = try Self.manifest(path)
        var totals = try #require(manifest["totals"] as? [String: Any])
        let totalText = try #require(totals["total"] as? String)
        let total = try #require(Decimal(string: totalText))
        totals["total"] = "\(total + 1)"
        manifest["totals"] = totals
        try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]).write(
            to: URL(fileURLWithPath: path))
        let tampered = try Self.run(["verify", dir])
        #expect(tampered.status != 0)
        #expect(tampered.stdout.contains("1 failed"))
    }

    @Test("every workbook opens in openpyxl and its Summary Total is the manifest's total")
    func openpyxlReadsSummaryTotal() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable.path))
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try Self.replay(invoices: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let workbooks = Self.invoiceLines(result.stdout).map { $0[5] }
        #expect(!workbooks.isEmpty)
        let script = """
            import sys, openpyxl
            for path in sys.argv[1:]:
                wb = openpyxl.load_workbook(path)
                sheet = wb["Summary"]
                total = [row[1] for row in sheet.iter_rows(values_only=True) if row[0] == "Total"]
                value = total[0] if len(total) == 1 else None
                print(path + "\\t" + type(value).__name__ + "\\t" + repr(value) + "\\t" + ",".join(wb.sheetnames))
            """
        let python = try Self.runTool("/usr/bin/python3", ["-c", script] + workbooks)
        #expect(python.status == 0, "\(python.stderr)")
        let rows = python.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(rows.count == workbooks.count)
        for row in rows {
            let path = row[0]
            let manifestPath = (path as NSString).deletingLastPathComponent + "/manifest.json"
            let totals = try #require(try Self.manifest(manifestPath)["totals"] as? [String: Any])
            let expectedText = try #require(totals["total"] as? String)
            let expected = try #require(Decimal(string: expectedText))
            #expect(row[1] == "int" || row[1] == "float", "\(path): Total is a \(row[1]) cell")
            #expect(Decimal(string: row[2]) == expected, "\(path): Summary Total \(row[2]) vs manifest \(expected)")
            #expect(row[3] == "Invoice,Summary,Components,Usage,Requests,Adjustments", "\(path): sheets \(row[3])")
        }
    }

    @Test(
        "with --grace-hours 0 late events are billed as adjustments on the next month: nothing is lost or counted twice"
    )
    func lateEventsBecomeAdjustments() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable.path))
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Gateway first: while the audit file is read the gateway file is done (idle), so September
        // closes as the audit watermark passes it and the generator's late audit rows are late.
        let result = try Self.replay(
            invoices: dir, extra: ["--grace-hours", "0", "--format", "json"],
            files: Self.inputFiles.reversed())
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let late = try #require(report["late"] as? Int)
        #expect(late > 0)
        let workbooks = Self.invoiceLines(result.stderr).map { $0[5] }
        var lateInManifests = 0
        var queries = 0
        var requests = 0
        for workbook in workbooks {
            let manifest = try Self.manifest((workbook as NSString).deletingLastPathComponent + "/manifest.json")
            let counts = try #require(manifest["counts"] as? [String: Any])
            let totals = try #require(manifest["totals"] as? [String: Any])
            lateInManifests += try #require(counts["late"] as? Int)
            queries += try #require(totals["total_queries"] as? Int)
            requests += try #require(totals["total_requests"] as? Int)
        }
        #expect(lateInManifests == late)
        // Late gateway messages are billed with the next month's requests; late queries are the
        // Adjustments sheets' "Late queries" (column D).
        let script = """
            import sys, openpyxl
            total = 0
            for path in sys.argv[1:]:
                rows = list(openpyxl.load_workbook(path)["Adjustments"].iter_rows(min_row=2, values_only=True))
                total += sum(row[3] for row in rows if row and isinstance(row[3], int))
            print(total)
            """
        let python = try Self.runTool("/usr/bin/python3", ["-c", script] + workbooks)
        #expect(python.status == 0, "\(python.stderr)")
        let lateQueries = try #require(Int(python.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(lateQueries > 0)
        let auditUnique = try Self.truthTotals("audit-2k.deflate.avro").values.reduce(0, +)
        let gatewayUnique = try Self.truthTotals("gateway-2k.deflate.avro").values.reduce(0, +)
        #expect(queries + lateQueries == auditUnique)
        #expect(requests == gatewayUnique)
        #expect(try Self.run(["verify", dir]).status == 0)
    }

    /// Runs an executable (with `environment`, or this process's); stderr goes through a file so
    /// neither pipe can fill up while the other is read.
    static func runTool(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Run {
        let errorPath = NSTemporaryDirectory() + "aura-replay-inv-stderr-\(UUID().uuidString)"
        try #require(FileManager.default.createFile(atPath: errorPath, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let errorHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = errorHandle
        try process.run()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errorHandle.close()
        let errors = try Data(contentsOf: URL(fileURLWithPath: errorPath))
        return Run(
            status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self),
            stderr: String(decoding: errors, as: UTF8.self))
    }
}
