import Aggregation
import Foundation
import Invoicing
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Scale-out mode (`state.changelog_topic`): instances with no shared disk, partition states
/// moving through the changelog, closes through the close topic.
@Suite("Scale out on Kafka", .serialized)
struct ScaleOutTests {
    static let period = "2026-10"
    /// Short sessions (see `DaemonHarness.reliabilityEnvironment`) so rebalances after a kill
    /// take ~3 s, checkpoints every second or 1000 events.
    static let fast = DaemonHarness.reliabilityEnvironment([
        "PERIODS_PINNED_CLOSED_AT": ScaleOutGroup.pinnedClosedAt, "CHECKPOINT_INTERVAL_EVENTS": "1000",
    ])

    /// The single-instance reference: one daemon over all of `month`, closed through its admin
    /// endpoint with the same pinned "closed at"; returns its invoice files.
    static func reference(_ month: ReliabilityMonth) throws -> [String: Data] {
        let reference = try DaemonHarness()
        try reference.produce(month.messages)
        try reference.start(environment: fast)
        #expect(reference.waitCaughtUp(month.messages.count), "reference run did not catch up:\n\(reference.log)")
        let report = try reference.closePeriod(period)
        #expect(report.errors.isEmpty && !report.closed.isEmpty, "reference close: \(report)")
        #expect(reference.stop(signal: SIGTERM) == 0)
        return reference.invoiceFiles()
    }

    @Test(
        "3 brokers, 3 instances over 8+4 partitions with no shared disk: one SIGKILLed mid-month, another joins, a fourth process closes — invoices byte-identical to a single-instance run"
    )
    func killJoinAndCloseFromAFourthProcess() throws {
        let month = try ReliabilityMonth.make(seed: 31)
        let messages = month.messages
        let count = messages.count
        let partitions = 8 + 4
        let expectedFiles = try Self.reference(month)
        #expect(expectedFiles.keys.contains { $0.hasSuffix("aura-invoice-ESP-\(Self.period).xlsx") })

        let harness = try DaemonHarness(auditPartitions: 8, gatewayPartitions: 4, brokers: 3)
        let group = try ScaleOutGroup(harness: harness)
        let cuts = [count / 2, count * 3 / 4, count]

        // 1. Three instances split the partitions and read the first half.
        try harness.produce(Array(messages[..<cuts[0]]))
        for name in ["a", "b", "c"] { try group.start(name, environment: Self.fast) }
        let split = harness.wait(seconds: 60) {
            group.covers(partitions: partitions, consumed: cuts[0])
                && ["a", "b", "c"].allSatisfy { !(group.owned($0)?.isEmpty ?? true) }
        }
        #expect(split, "no three-way split over the first half:\n\(group.logs)")

        // 2. Mid-month: b is killed; a and c take its partitions over from the changelog (they
        //    have no local checkpoint of them) and read on.
        let bOwned = Set(group.owned("b")?.keys.map { $0 } ?? [])
        #expect(!bOwned.isEmpty)
        try harness.produce(Array(messages[cuts[0]..<cuts[1]]))
        #expect(group.stop("b", signal: SIGKILL) == SIGKILL)
        let moved = harness.wait(seconds: 60) { group.covers(partitions: partitions, consumed: cuts[1]) }
        #expect(moved, "b's partitions did not move:\n\(group.logs)")
        // Every partition b owned was restored from the changelog by a or c.
        let restored = (group.log("a") + group.log("c")).components(separatedBy: "\n")
            .filter { $0.contains("partition state loaded") && $0.contains("from=changelog generation") }
        for label in bOwned {
            let tp = Self.partition(label)
            #expect(
                restored.contains { $0.contains("partition=\(tp) ") },
                "\(tp) (b's) was not restored from the changelog:\n\(group.logs)")
        }

        // 3. A new instance joins (empty disk) and gets a share; the rest of the month arrives.
        try group.start("d", environment: Self.fast)
        let joined = harness.wait(seconds: 60) {
            !(group.owned("d")?.isEmpty ?? true) && group.covers(partitions: partitions, consumed: cuts[1])
        }
        #expect(joined, "d got no partitions:\n\(group.logs)")
        try harness.produce(Array(messages[cuts[1]...]))
        #expect(
            harness.wait(seconds: 60) { group.covers(partitions: partitions, consumed: count) },
            "not all consumed:\n\(group.logs)")

        // Any instance previews ESP's invoice from the changelog states, once they hold every event.
        let port = try #require(group.instances["c"]?.port)
        var preview: InvoicePreview?
        let previewed = harness.wait(seconds: 60) {
            guard
                let (status, body) = try? harness.http("/v1/invoices/preview?ob=ESP&period=\(Self.period)", port: port),
                status == 200, let decoded = try? JSONDecoder().decode(InvoicePreview.self, from: Data(body.utf8))
            else { return false }
            preview = decoded
            return decoded.freshness.partitions.reduce(0) { $0 + ($1.nextOffset ?? 0) } == Int64(count)
        }
        #expect(previewed && preview?.freshness.source == "changelog", "no preview from the changelog:\(group.logs)")

        // 4. A fourth process closes the period through Kafka.
        let (closer, closeLog) = try group.startCloser(period: Self.period, tag: "fourth")
        closer.waitUntilExit()
        let closeOutput = (try? String(contentsOf: closeLog, encoding: .utf8)) ?? ""
        #expect(closer.terminationStatus == 0, "close failed:\n\(closeOutput)\n\(group.logs)")

        // Byte-identical invoices; one request and one done note.
        let files = ScaleOutGroup.files(under: harness.directory.appendingPathComponent("invoices").path)
        #expect(
            Set(files.keys) == Set(expectedFiles.keys),
            "files: \(files.keys.sorted()) expected \(expectedFiles.keys.sorted())")
        for (path, bytes) in expectedFiles {
            #expect(files[path] == bytes, "\(path) differs from the single-instance run")
        }
        // The preview equals the invoice the close wrote.
        let manifestPath = try #require(files.keys.first { $0.hasSuffix("ESP/\(Self.period)/manifest.json") })
        let manifest = try InvoiceManifest.decode(try #require(files[manifestPath]), source: manifestPath)
        #expect(preview?.total == manifest.totals.total && preview?.currency == manifest.totals.currency)
        #expect(preview?.totals.components == manifest.totals.components)
        #expect(preview?.totalQueries == manifest.totals.totalQueries)
        let done = try group.closeRecords().filter { $0.kind == .done }
        #expect(done.count == Set(done.map(\.key)).count, "\(done.map(\.key).sorted())")

        // Every partition's state in the changelog, merged, equals the generator's totals.
        for name in ["a", "c", "d"] {
            #expect(group.stop(name, signal: SIGTERM) == 0, "\(name) did not stop cleanly:\n\(group.log(name))")
        }
        let merged = try group.changelogMerged(partitions: partitions, zones: month.zones)
        let problems = month.mismatches(merged)
        #expect(problems.isEmpty, "\(problems.prefix(20).joined(separator: "\n"))")
    }

    /// `aura.audit/3` from a metric label set such as `{partition="3",topic="aura.audit"}`.
    static func partition(_ label: String) -> String {
        func value(_ name: String) -> String {
            guard let range = label.range(of: name + "=\"") else { return "?" }
            return String(label[range.upperBound...].prefix { $0 != "\"" })
        }
        return "\(value("topic"))/\(value("partition"))"
    }

    @Test(
        "two closers triggered together (aura-billing close, and an instance's admin endpoint) produce one set of files and one done note each"
    )
    func racingClosers() throws {
        let month = try ReliabilityMonth.make(seed: 32)
        let harness = try DaemonHarness(auditPartitions: 8, gatewayPartitions: 4)
        let group = try ScaleOutGroup(harness: harness)
        try harness.produce(month.messages)
        try group.start("a", environment: Self.fast)
        #expect(
            harness.wait(seconds: 60) { group.covers(partitions: 12, consumed: month.messages.count) },
            "not consumed:\n\(group.logs)")

        let first = try group.startCloser(period: Self.period, tag: "one")
        let second = try group.startAdminClose("a", period: Self.period, tag: "two")
        first.0.waitUntilExit()
        second.0.waitUntilExit()
        let outputs = [first.1, second.1].map { (try? String(contentsOf: $0, encoding: .utf8)) ?? "" }
        #expect(
            first.0.terminationStatus == 0 && second.0.terminationStatus == 0, "\(outputs.joined(separator: "\n---\n"))"
        )
        let records = try group.closeRecords()
        let requests = records.filter { $0.kind == .request }
        let done = records.filter { $0.kind == .done }
        // One done note per (OB, period), whoever wrote it.
        let doneByKey = Dictionary(grouping: done, by: \.key)
        #expect(doneByKey.values.allSatisfy { $0.count == 1 }, "done notes: \(done.map(\.key).sorted())")
        #expect(!requests.isEmpty)
        // Both reports name the same workbook; exactly one of them wrote it.
        let reports = try outputs.map { text -> CloseReport in
            let json = text.split(separator: "\n").last { $0.hasPrefix("{") }.map(String.init) ?? "{}"
            return try JSONDecoder().decode(CloseReport.self, from: Data(json.utf8))
        }
        let esp = reports.map { $0.closed.first { $0.ob == "ESP" } }
        #expect(esp[0] != nil && esp[0]?.workbook == esp[1]?.workbook)
        #expect(reports.flatMap(\.closed).filter(\.written).count == reports[0].closed.count, "\(reports)")
        let files = ScaleOutGroup.files(under: harness.directory.appendingPathComponent("invoices").path)
        #expect(files.keys.filter { $0.hasSuffix(".xlsx") }.count == reports[0].closed.count, "\(files.keys.sorted())")
        #expect(Set(doneByKey.keys) == Set(reports[0].closed.map { "\($0.ob)-\($0.period)" }))
        #expect(group.stop("a", signal: SIGTERM) == 0)
    }

    @Test(
        "with auto_close, the owner of audit partition 0 closes every ready period through the changelog, once; periods not ready stay open"
    )
    func autoCloseScaledOut() throws {
        var generator = try DemoMonthGenerator(
            seed: 34, month: ReadyPeriods.previousMonth(), auditEvents: 3_000, gatewayEvents: 800)
        var messages: [DemoMessage] = []
        while let message = generator.next() { messages.append(message) }
        let periods = try ReadyPeriods(generator.expected)
        #expect(!periods.ready.isEmpty)
        let harness = try DaemonHarness(auditPartitions: 8, gatewayPartitions: 4)
        let group = try ScaleOutGroup(harness: harness)
        try harness.produce(messages)
        let autoClose = Self.fast.merging(["PERIODS_AUTO_CLOSE": "true", "PERIODS_AUTO_CLOSE_CHECK_SECONDS": "1"]) {
            $1
        }
        try group.start("a", environment: autoClose)
        try group.start("b", environment: autoClose)

        let invoices = harness.directory.appendingPathComponent("invoices")
        func closed() -> Set<String> {
            Set(
                ScaleOutGroup.files(under: invoices.path).keys.filter { $0.hasSuffix("manifest.json") }.map {
                    $0.split(separator: "/").suffix(3).prefix(2).joined(separator: "/")
                })
        }
        let want = Set(periods.ready.map { $0.replacingOccurrences(of: "/", with: "-") })
        func doneNotes() -> [String: Int] {
            let records = (try? group.closeRecords()) ?? []
            return Dictionary(grouping: records.filter { $0.kind == .done }, by: \.key).mapValues(\.count)
        }
        // Files first, then the done note of each (written after its files are delivered).
        #expect(
            harness.wait(seconds: 120) { closed() == Set(periods.ready) && Set(doneNotes().keys) == want },
            "closed \(closed().sorted()), done \(doneNotes().keys.sorted()), want \(periods.ready):\n\(group.logs)")
        #expect(doneNotes().values.allSatisfy { $0 == 1 }, "done notes: \(doneNotes())")
        for key in periods.notReady {
            #expect(
                !FileManager.default.fileExists(atPath: invoices.appendingPathComponent(key).path),
                "\(key) closed before it was ready")
        }
        #expect(group.stop("a", signal: SIGTERM) == 0)
        #expect(group.stop("b", signal: SIGTERM) == 0)
    }

    @Test(
        "an instance restarted on an empty disk restores every partition from the changelog with exact totals; with no state in the changelog either, it refuses to start"
    )
    func emptyDiskRestoresOrRefuses() throws {
        let month = try ReliabilityMonth.make(seed: 33)
        let messages = month.messages
        let half = messages.count / 2
        let harness = try DaemonHarness(auditPartitions: 8, gatewayPartitions: 4)
        let group = try ScaleOutGroup(harness: harness)
        try harness.cluster.createTopic("aura.changelog.empty", partitions: 8)

        // 1. First half, then a clean stop: offsets committed, states in the changelog.
        try harness.produce(Array(messages[..<half]))
        try group.start("a", environment: Self.fast)
        #expect(
            harness.wait(seconds: 60) { group.covers(partitions: 12, consumed: half) }, "not consumed:\n\(group.logs)")
        #expect(group.stop("a", signal: SIGTERM) == 0)

        // 2. Same group, an empty disk and an empty changelog: committed offsets, no state.
        try group.start(
            "refused", environment: Self.fast.merging(["STATE_CHANGELOG_TOPIC": "aura.changelog.empty"]) { $1 })
        #expect(
            harness.wait(seconds: 60) { group.exited("refused") },
            "it kept running without any state:\n\(group.log("refused"))")
        #expect(group.stop("refused", signal: SIGKILL) != 0)
        #expect(group.log("refused").contains("refusing to start"), "no refusal logged:\n\(group.log("refused"))")

        // 3. An empty disk with the real changelog: every partition comes from it, and the rest
        //    of the month is counted on top, exactly.
        try group.start("b", environment: Self.fast)
        try harness.produce(Array(messages[half...]))
        #expect(
            harness.wait(seconds: 60) { group.covers(partitions: 12, consumed: messages.count) },
            "not consumed:\n\(group.logs)")
        #expect(group.stop("b", signal: SIGTERM) == 0)
        let loaded = group.log("b").components(separatedBy: "\n").filter { $0.contains("partition state loaded") }
        #expect(
            loaded.count == 12 && loaded.allSatisfy { $0.contains("from=changelog generation") },
            "\(loaded.joined(separator: "\n"))")
        let problems = month.mismatches(try group.changelogMerged(partitions: 12, zones: month.zones))
        #expect(problems.isEmpty, "\(problems.prefix(20).joined(separator: "\n"))")
    }
}
