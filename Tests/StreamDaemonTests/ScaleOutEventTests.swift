import Aggregation
import Avro
import Foundation
import Invoicing
import Logging
import Testing

@testable import KafkaBridge
@testable import StreamDaemon

/// `InvoiceClosed` events scaled out: which closer announces a revision is derived from the close
/// topic (requests and done notes of the embedded cluster), not from whether it just wrote the
/// files. The close's step 4 (`DistributedCloser.Steps.finish`) runs with the daemon's issuer,
/// a real outbox, real files and a real delivery directory.
@Suite("Invoice events scaled out: one announcement per revision, from the close topic", .serialized)
struct ScaleOutEventTests {
    static let logger = Logger(label: "test.scaleout-events")

    /// An embedded cluster with the close topic and a changelog topic (a closer needs one).
    final class Cluster {
        let cluster: EmbeddedKafkaCluster
        let properties: [String: String]

        init() throws {
            cluster = try EmbeddedKafkaCluster(brokers: 1, logger: ScaleOutEventTests.logger)
            try cluster.createTopic(ScaleOutGroup.closeTopic, partitions: 1)
            try cluster.createTopic(ScaleOutGroup.changelogTopic, partitions: 2)
            properties = ["bootstrap.servers": cluster.bootstrapServers, "acks": "all", "linger.ms": "1"]
        }

        /// A closer (its own requester and Kafka clients) with the setup's invoice directory
        /// and outbox; `waitSeconds` bounds its waits for another closer's done note.
        func closer(_ setup: InvoiceEventTests.Setup, waitSeconds: Double = 5) throws -> DistributedCloser {
            let producer = try KafkaProducer(properties: properties, logger: ScaleOutEventTests.logger)
            let reader = try KafkaPartitionReader(properties: properties, logger: ScaleOutEventTests.logger)
            return DistributedCloser(
                settings: .init(
                    sourceTopics: [], graceMs: 0, invoicesDir: setup.directory + "/invoices", pinnedClosedAtMs: nil,
                    waitSeconds: waitSeconds),
                changelog: try ChangelogStore(
                    topic: ScaleOutGroup.changelogTopic, producer: producer, reader: reader,
                    logger: ScaleOutEventTests.logger),
                closeLog: CloseLog(
                    topic: ScaleOutGroup.closeTopic, producer: producer, reader: reader,
                    logger: ScaleOutEventTests.logger),
                zones: try OBTimeZones(["ESP": "Europe/Madrid"]), context: setup.context, delivery: nil,
                metrics: nil, logger: ScaleOutEventTests.logger, events: setup.outbox)
        }
    }

    /// October's close request of ESP, as the first closer appends it.
    static func request(by closer: DistributedCloser) -> CloseRecord {
        CloseRecord(
            kind: .request, ob: "ESP", period: "2026-10", closedAtMs: 1_793_491_500_000, forced: false,
            requester: closer.requester, offsets: [], invoiceNumber: "AURA-2026-000007")
    }

    /// Step 4 of the close of `request` on `closer`, issuing `input` and delivering into `delivered`.
    static func finish(
        _ request: CloseRecord, on closer: DistributedCloser, _ setup: InvoiceEventTests.Setup, input: InvoiceInput,
        delivered: String
    ) throws -> CloseReport.Invoice {
        let issuer = InvoiceIssuer(
            context: setup.context, invoicesDir: setup.directory + "/invoices",
            delivery: .localDirectory(LocalDirectoryDelivery(directory: delivered)), metrics: nil, logger: logger,
            events: setup.outbox)
        let steps = DistributedCloser.Steps(closer: closer, keys: [], log: try closer.closeLog.read())
        return try steps.finish(request) { announce in try issuer.issue(request, input: input, announce: announce) }
    }

    /// The revisions of the done notes of ESP's October, in log order (nil: revision 1).
    static func doneRevisions(_ closer: DistributedCloser) throws -> [Int] {
        var revisions: [Int] = []
        let log = closer.closeLog
        let (low, high) = try log.reader.watermarks(log.partition)
        try log.reader.read(log.partition, from: low, until: high) { record in
            if let parsed = log.decode(record), parsed.kind == .done { revisions.append(parsed.revision ?? 1) }
        }
        return revisions
    }

    @Test(
        "the close topic folds revisions: a request carrying a revision is a claim (the first wins), done notes raise the done revision, a claim left alone by compaction stands for its request"
    )
    func summaryFoldsRevisions() {
        func record(_ kind: CloseRecord.Kind, _ requester: String, revision: Int? = nil) -> CloseRecord {
            CloseRecord(
                kind: kind, ob: "ESP", period: "2026-10", closedAtMs: 1_793_491_500_000, forced: false,
                requester: requester, offsets: [], invoiceNumber: "AURA-2026-000007", revision: revision)
        }
        var summary = CloseLog.Summary()
        for r in [
            record(.request, "a"), record(.done, "a"), record(.request, "b", revision: 2),
            record(.request, "a", revision: 2),
        ] {
            summary.add(r)
        }
        #expect(summary.requests["ESP-2026-10"]?.requester == "a" && summary.requests["ESP-2026-10"]?.revision == nil)
        #expect(summary.doneRevision("ESP-2026-10") == 1 && summary.pendingKeys.isEmpty)
        #expect(summary.revisionRequests["ESP-2026-10#r2"]?.requester == "b", "the first claim wins")
        summary.add(record(.done, "b", revision: 2))
        #expect(summary.doneRevision("ESP-2026-10") == 2 && summary.done["ESP-2026-10"]?.requester == "a")
        #expect(summary.doneRevision("GBR-2026-10") == 0)

        // Compacted to the claim alone: it counts as the request, not done, so it is retried.
        var compacted = CloseLog.Summary()
        compacted.add(record(.request, "b", revision: 2))
        #expect(compacted.pendingKeys == ["ESP-2026-10"] && compacted.requests["ESP-2026-10"]?.revision == nil)
        #expect(compacted.numberHolders["AURA-2026-000007"] == "ESP-2026-10")
        #expect(record(.done, "a", revision: 0).problem(kafkaKey: Array("ESP-2026-10".utf8)) != nil)
    }

    @Test(
        "a new revision of a period already done whose delivery failed after its workbook was written is announced by the retry that finds it in place, once"
    )
    func failedRevisionDeliveryAnnouncedByTheRetry() throws {
        let kafka = try Cluster()
        let setup = try InvoiceEventTests.Setup(sinks: ["webhook"])
        let closer = try kafka.closer(setup)
        let request = Self.request(by: closer)
        try closer.closeLog.append(request)
        let delivered = setup.directory + "/delivered"

        // Revision 1: written, delivered, announced, noted done.
        let first = try Self.finish(request, on: closer, setup, input: try setup.input(), delivered: delivered)
        #expect(first.revision == 1 && first.written)
        #expect(setup.outbox.pendingKeys(sink: "webhook") == ["ESP-2026-10-r1"])
        #expect(try Self.doneRevisions(closer) == [1])

        // A re-close comes out different: revision 2 is written, but its delivery fails (the
        // delivery directory is not a directory).
        let blocked = setup.directory + "/blocked"
        _ = FileManager.default.createFile(atPath: blocked, contents: Data("x".utf8))
        #expect(throws: (any Error).self) {
            try Self.finish(request, on: closer, setup, input: try setup.input(extra: 3), delivered: blocked)
        }
        let r2 = setup.directory + "/invoices/ESP/2026-10/" + InvoiceWriter.manifestName(revision: 2)
        #expect(FileManager.default.fileExists(atPath: r2), "revision 2 was written before the delivery failed")
        #expect(setup.outbox.pendingKeys(sink: "webhook") == ["ESP-2026-10-r1"])
        #expect(try Self.doneRevisions(closer) == [1])

        // The retry finds revision 2 in place, delivers it, announces it and notes it done.
        let retried = try Self.finish(
            request, on: closer, setup, input: try setup.input(extra: 3), delivered: delivered)
        #expect(retried.revision == 2 && !retried.written)
        #expect(setup.outbox.pendingKeys(sink: "webhook") == ["ESP-2026-10-r1", "ESP-2026-10-r2"])
        #expect(try Self.doneRevisions(closer) == [1, 2])
        let event = try InvoiceClosedEvent.decode(
            try setup.outbox.body(sink: "webhook", key: "ESP-2026-10-r2"), source: "r2")
        #expect(event.revision == 2 && event.invoiceNumber == "AURA-2026-000007-r2")
        #expect(
            event.workbook == delivered + "/ESP/2026-10/"
                + InvoiceWriter.workbookName(ob: "ESP", period: "2026-10", revision: 2))

        // Another rerun, and another closer (its own outbox) rerunning: nothing more announced.
        _ = try Self.finish(request, on: closer, setup, input: try setup.input(extra: 3), delivered: delivered)
        let other = try InvoiceEventTests.Setup(sinks: ["webhook"])
        let otherCloser = try kafka.closer(setup)
        let otherIssuer = InvoiceIssuer(
            context: setup.context, invoicesDir: setup.directory + "/invoices",
            delivery: .localDirectory(LocalDirectoryDelivery(directory: delivered)), metrics: nil,
            logger: Self.logger, events: other.outbox)
        let steps = DistributedCloser.Steps(closer: otherCloser, keys: [], log: try otherCloser.closeLog.read())
        let again = try steps.finish(request) { announce in
            try otherIssuer.issue(request, input: try setup.input(extra: 3), announce: announce)
        }
        #expect(again.revision == 2)
        #expect(other.outbox.pendingCount == 0)
        #expect(setup.outbox.pendingKeys(sink: "webhook") == ["ESP-2026-10-r1", "ESP-2026-10-r2"])
        #expect(try Self.doneRevisions(closer) == [1, 2])
    }

    @Test(
        "two instances racing to close October, then to re-close it under a new catalog: one webhook call and one Kafka record per (OB, period, revision), matching the manifests"
    )
    func racingInstancesAnnounceOncePerRevision() throws {
        let month = try ReliabilityMonth.make(seed: 38, audit: 1_500, gateway: 300)
        let scratch = try ReliabilityCloseTests.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let receiver = try TinyHTTPServer(routes: ["/hook": .init(status: 202, body: Array("{}".utf8))])
        defer { receiver.stop() }
        let secretFile = scratch.appendingPathComponent("webhook-secret").path
        try InvoiceEventTests.secret.write(toFile: secretFile, atomically: true, encoding: .utf8)
        let tariffs = scratch.appendingPathComponent("tariffs.yaml").path
        let catalog = try String(contentsOfFile: DaemonHarness.root.path + "/deploy/tariffs.yaml", encoding: .utf8)
        try catalog.write(toFile: tariffs, atomically: true, encoding: .utf8)
        let topic = "aura.billing.invoices"
        let harness = try DaemonHarness(
            auditPartitions: 4, gatewayPartitions: 2, tariffsPath: tariffs,
            extraConfig: """
                events:
                  topic: "\(topic)"
                  schema_id: 7
                  webhook_url: "\(receiver.url("/hook"))"
                  webhook_secret_file: "\(secretFile)"
                  retry_initial_seconds: 1
                  retry_max_seconds: 1
                """)
        try harness.cluster.createTopic(topic, partitions: 1)
        let group = try ScaleOutGroup(harness: harness, changelogPartitions: 8)
        try harness.produce(month.messages)
        for name in ["a", "b"] { try group.start(name, environment: ScaleOutTests.fast) }
        #expect(
            harness.wait(seconds: 60) { group.covers(partitions: 6, consumed: month.messages.count) },
            "not consumed:\n\(group.logs)")
        // Every event is in the changelog states (what a closer reads), not just consumed.
        #expect(
            harness.wait(seconds: 60) {
                guard let merged = try? group.changelogMerged(partitions: 6, zones: month.zones) else { return false }
                return month.mismatches(merged).isEmpty
            }, "the changelog does not hold every event:\n\(group.logs)")
        let obs = ReliabilityCloseTests.octoberOBs(month)
        #expect(!obs.isEmpty)
        let invoices = harness.directory.appendingPathComponent("invoices").path + "/"

        // Both instances close October at once; then, under a new catalog version (reloaded by
        // SIGHUP), both re-close it: revision 2 of every invoice.
        for revision in 1...2 {
            if revision == 2 {
                try catalog.replacingOccurrences(
                    of: #"catalog_version: "2026.10""#, with: #"catalog_version: "2026.10b""#
                )
                .write(toFile: tariffs, atomically: true, encoding: .utf8)
                for name in ["a", "b"] {
                    let pid = try #require(group.instances[name]?.process.processIdentifier)
                    kill(pid, SIGHUP)
                }
                #expect(
                    harness.wait(seconds: 30) {
                        ["a", "b"].allSatisfy {
                            harness.metric("aura_reloads_total", port: group.instances[$0]?.port) == 1
                        }
                    }, "no reload:\n\(group.logs)")
            }
            let closes = try ["a", "b"].map {
                try group.startAdminClose($0, period: ScaleOutTests.period, tag: "\($0)\(revision)")
            }
            for (process, _) in closes { process.waitUntilExit() }
            let outputs = closes.map { (try? String(contentsOf: $0.1, encoding: .utf8)) ?? "" }
            #expect(closes.allSatisfy { $0.0.terminationStatus == 0 }, "\(outputs)")
            for ob in obs {
                let manifest =
                    invoices + "\(ob)/\(ScaleOutTests.period)/" + InvoiceWriter.manifestName(revision: revision)
                #expect(FileManager.default.fileExists(atPath: manifest), "\(ob) revision \(revision): \(outputs)")
            }
            // Every event of the revision is acknowledged by both sinks, and no outbox holds one.
            let keys = Set(obs.flatMap { ob in (1...revision).map { "\(ob)-\(ScaleOutTests.period)-r\($0)" } })
            let settled = harness.wait(seconds: 60) {
                Set(receiver.received.compactMap { $0.headers["idempotency-key"] }) == keys
                    && ["a", "b"].allSatisfy { Self.pendingEvents(group, $0) == 0 }
            }
            #expect(
                settled,
                "events \(receiver.received.compactMap { $0.headers["idempotency-key"] }.sorted()):\n\(group.logs)")
        }

        // Exactly one webhook call per (OB, period, revision), signed, matching its manifest.
        let calls = Dictionary(grouping: receiver.received, by: { $0.headers["idempotency-key"] ?? "-" })
        #expect(
            calls.count == 2 * obs.count && calls.values.allSatisfy { $0.count == 1 }, "\(calls.mapValues(\.count))")
        for (key, requests) in calls {
            let request = try #require(requests.first)
            let event = try InvoiceClosedEvent.decode(Data(request.body), source: key)
            let path = invoices + "\(event.ob)/\(event.period)/" + InvoiceWriter.manifestName(revision: event.revision)
            let data = try #require(FileManager.default.contents(atPath: path))
            let manifest = try InvoiceManifest.decode(data, source: path)
            #expect(
                key == "\(manifest.ob)-\(manifest.period)-r\(manifest.revision)" && event.revision == manifest.revision)
            #expect(event.invoiceNumber == manifest.invoiceNumber && event.total == manifest.totals.total)
            #expect(event.manifestSHA256 == Digest.sha256Hex(data) && event.workbookSHA256 == manifest.workbookSHA256)
            #expect(
                request.headers["x-aura-signature"]
                    == WebhookEventSink.signature(body: request.body, secret: Array(InvoiceEventTests.secret.utf8)))
        }
        // One Kafka record per (OB, period, revision) as well.
        let reader = try KafkaPartitionReader(
            properties: ["bootstrap.servers": harness.cluster.bootstrapServers], logger: Self.logger)
        let tp = PartitionKey(topic: topic, partition: 0)
        let schema = try AvroSchema.parse(file: DaemonHarness.root.path + "/deploy/schemas/InvoiceClosed.avsc")
        let decoder = try AvroRecordDecoder(writer: schema, reader: schema, fields: ["idempotency_key"])
        var produced: [String] = []
        try reader.read(tp, from: 0, until: try reader.watermarks(tp).high) { record in
            var offset = 5
            var values = AvroValues(count: 1)
            try record.value.withUnsafeBytes { try decoder.decode($0, offset: &offset, into: &values) }
            produced.append(values.string(0) ?? "-")
        }
        #expect(produced.sorted() == calls.keys.sorted(), "\(produced.sorted())")
        // The close topic: one done note per revision, the second carrying its revision, and
        // revision 2 claimed by a request carrying it (the first one of each key won).
        let records = try group.closeRecords()
        let done = records.filter { $0.kind == .done }
        let revisions = Dictionary(grouping: done, by: \.key).mapValues { $0.map { $0.revision ?? 1 } }
        #expect(revisions.count == obs.count && revisions.values.allSatisfy { $0 == [1, 2] }, "\(revisions)")
        let claims = Set(records.filter { $0.kind == .request && $0.revision == 2 }.map(\.key))
        #expect(claims == Set(revisions.keys), "\(claims.sorted())")
        for name in ["a", "b"] { #expect(group.stop(name, signal: SIGTERM) == 0, "\(group.log(name))") }
    }

    /// Events waiting in instance `name`'s outbox, every sink.
    static func pendingEvents(_ group: ScaleOutGroup, _ name: String) -> Int {
        guard let stateDir = group.instances[name]?.stateDir else { return -1 }
        return ["kafka", "webhook"].reduce(0) { count, sink in
            let pending =
                (try? FileManager.default.contentsOfDirectory(atPath: "\(stateDir)/events/\(sink)/pending")) ?? []
            return count + pending.filter { $0.hasSuffix(".json") }.count
        }
    }
}
