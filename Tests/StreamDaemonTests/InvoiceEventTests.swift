import Aggregation
import Avro
import Foundation
import Invoicing
import Logging
import ServiceLifecycle
import Testing

@testable import KafkaBridge
@testable import StreamDaemon

/// `InvoiceClosed` events end to end with real parts: invoices issued by the daemon's issuer
/// into a temporary invoice directory, the durable outbox in a state directory, the event
/// service sending to a real HTTP receiver on loopback and to the embedded Kafka cluster.
@Suite("Invoice events: one signed, idempotent event per invoice revision, to a webhook and Kafka", .serialized)
struct InvoiceEventTests {
    static let secret = "s3cret-for-tests"
    static let logger = Logger(label: "test.events")

    /// A state and invoice directory, an October close of ESP and the issuing service.
    final class Setup {
        let directory: String
        let metrics = DaemonMetrics(auditTopic: "aura.audit", gatewayTopic: "aura.gateway")
        let context: InvoicingContext
        let outbox: InvoiceEventOutbox
        var stateDir: String { directory + "/state" }

        init(sinks: [String]) throws {
            directory =
                FileManager.default.temporaryDirectory.appendingPathComponent("events-\(UUID().uuidString)")
                .path
            try FileManager.default.createDirectory(atPath: directory + "/state", withIntermediateDirectories: true)
            context = try InvoicingContext(
                tariffsPath: DaemonHarness.root.path + "/deploy/tariffs.yaml", dimensionsDir: nil)
            outbox = InvoiceEventOutbox(stateDir: directory + "/state", sinks: sinks)
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }

        /// The issuer of the daemon, delivering into `<directory>/delivered`; with or without events.
        func issuer(events: Bool) -> InvoiceIssuer {
            InvoiceIssuer(
                context: context, invoicesDir: directory + "/invoices",
                delivery: .localDirectory(LocalDirectoryDelivery(directory: directory + "/delivered")),
                metrics: metrics, logger: InvoiceEventTests.logger, events: events ? outbox : nil)
        }

        func service(events: Bool = true) -> InvoiceIssuingService {
            InvoiceIssuingService(
                queue: InvoiceQueue(metrics: nil, status: nil, logger: InvoiceEventTests.logger),
                issuer: issuer(events: events), stateDir: stateDir)
        }

        /// October's close journal of ESP, saved not done (the close froze the period).
        func journal() throws -> CloseJournal {
            let journal = CloseJournal(
                ob: "ESP", period: "2026-10", closedAtMs: 1_793_491_500_000, forced: false, offsets: [], done: false,
                invoiceNumber: "AURA-2026-000007")
            try journal.save(stateDir: stateDir)
            return journal
        }

        /// October's invoice input; `extra` late-arriving October events make a different invoice.
        func input(extra: Int = 0) throws -> InvoiceInput {
            var state = try CompactionCloseTests.state(horizonMs: nil)
            for i in 0..<extra { try CompactionCloseTests.ingest(&state, "extra-\(i)", "2026-10-05T10:00:00Z") }
            let journal = CloseJournal(
                ob: "ESP", period: "2026-10", closedAtMs: 1_793_491_500_000, forced: false, offsets: [], done: false,
                invoiceNumber: "AURA-2026-000007")
            return try InvoiceInputBuilder.input(of: journal, from: state, names: .init())
        }

        func metric(_ line: String) -> Bool {
            // Gauges render as doubles (`0.0`), counters as integers.
            String(decoding: metrics.render(), as: UTF8.self).split(separator: "\n").contains {
                $0 == line || $0 == line + ".0"
            }
        }
    }

    /// Runs `service` in a service group while `body` runs, then stops it gracefully (an
    /// attempt in flight finishes first).
    static func running(_ service: InvoiceEventService, _ body: @Sendable () async throws -> Void) async throws {
        let group = ServiceGroup(services: [service], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    static let fastRetries = InvoiceBacklog.Policy(initial: .milliseconds(20), maximum: .milliseconds(40))

    @Test(
        "webhook: a crash between delivery and the event, a rerun and a revision give one event per revision, HMAC-signed, retried until accepted"
    )
    func webhookExactlyOncePerRevision() async throws {
        let setup = try Setup(sinks: ["webhook"])
        let job = InvoiceJob(journal: try setup.journal(), input: try setup.input())

        // The invoice is written and delivered, then the process dies before the event is
        // stored and the journal marked done.
        _ = try setup.issuer(events: false).issue(job.journal, input: job.input)
        #expect(setup.outbox.pendingCount == 0)
        #expect(try CloseJournal.load(stateDir: setup.stateDir, ob: "ESP", period: "2026-10")?.done == false)

        // Restart: the journal is not done, so the invoice is issued again (same revision, nothing
        // rewritten) and its event stored, before the done mark.
        let reissued = try setup.service().issue(job)
        #expect(reissued.revision == 1 && !reissued.written)
        #expect(setup.outbox.pendingKeys(sink: "webhook") == ["ESP-2026-10-r1"])
        let done = try #require(try CloseJournal.load(stateDir: setup.stateDir, ob: "ESP", period: "2026-10"))
        #expect(done.done)

        // A rerun of the close: identical files, no second event.
        _ = try setup.service().issue(InvoiceJob(journal: done, input: job.input))
        #expect(setup.outbox.pendingKeys(sink: "webhook") == ["ESP-2026-10-r1"])

        // A close that comes out different (late October events) is revision 2: its own event.
        let revised = try setup.service().issue(InvoiceJob(journal: done, input: try setup.input(extra: 3)))
        #expect(revised.revision == 2 && revised.written)
        #expect(setup.outbox.pendingKeys(sink: "webhook") == ["ESP-2026-10-r1", "ESP-2026-10-r2"])
        #expect(try CloseJournal.load(stateDir: setup.stateDir, ob: "ESP", period: "2026-10")?.done == true)

        // The receiver is down for two attempts, then accepts.
        let server = try TinyHTTPServer(routes: ["/hook": .init(status: 202, body: Array("{}".utf8))])
        defer { server.stop() }
        server.refuseNext = 2
        let service = InvoiceEventService(
            outbox: setup.outbox,
            sinks: [WebhookEventSink(url: server.url("/hook"), secret: Array(Self.secret.utf8))],
            policy: Self.fastRetries, pollEvery: .milliseconds(20), metrics: setup.metrics, logger: Self.logger)
        try await Self.running(service) {
            let answered = try await Blocking.run { server.waitForRequests(4) }
            #expect(answered, "two refused attempts and two accepted events")
        }
        let requests = server.received
        #expect(requests.count == 4)
        let keys = requests.map { $0.headers["idempotency-key"] ?? "-" }
        #expect(keys == ["ESP-2026-10-r1", "ESP-2026-10-r1", "ESP-2026-10-r1", "ESP-2026-10-r2"])
        #expect(Set(requests.prefix(3).map(\.body)).count == 1, "a retry resends the same bytes")
        for request in requests {
            #expect(request.method == "POST" && request.path == "/hook")
            #expect(request.headers["content-type"] == "application/json")
            #expect(request.headers["x-aura-event"] == "InvoiceClosed")
            let expected = "sha256=" + Digest.hmacSHA256Hex(key: Array(Self.secret.utf8), data: request.body)
            #expect(request.headers["x-aura-signature"] == expected)
            #expect(request.headers["x-aura-signature"] != WebhookEventSink.signature(body: request.body, secret: [1]))
        }
        for (request, revision) in zip(requests.suffix(2), [1, 2]) {
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            let manifestPath =
                setup.directory + "/invoices/ESP/2026-10/" + InvoiceWriter.manifestName(revision: revision)
            let manifest = try InvoiceManifest.decode(
                try #require(FileManager.default.contents(atPath: manifestPath)), source: manifestPath)
            #expect(json["event_type"] as? String == "InvoiceClosed")
            #expect(json["idempotency_key"] as? String == "ESP-2026-10-r\(revision)")
            #expect(json["ob"] as? String == "ESP" && json["period"] as? String == "2026-10")
            #expect(json["revision"] as? Int == revision)
            #expect(json["total"] as? String == manifest.totals.total && json["currency"] as? String == "EUR")
            #expect(json["invoice_number"] as? String == manifest.invoiceNumber)
            #expect(manifest.invoiceNumber == "AURA-2026-000007" + (revision == 2 ? "-r2" : ""))
            #expect(
                json["issue_date"] as? String == manifest.issueDate && json["due_date"] as? String == manifest.dueDate)
            #expect(json["closed_at"] as? String == "2026-11-01T00:05:00Z")
            #expect(json["inputs_digest"] as? String == manifest.inputsDigest)
            #expect(json["workbook_sha256"] as? String == manifest.workbookSHA256)
            let delivered = setup.directory + "/delivered/ESP/2026-10/" + manifest.workbook
            #expect(json["workbook"] as? String == delivered)
        }
        #expect(setup.metric(#"aura_invoice_events_sent_total{sink="webhook"} 2"#))
        #expect(setup.metric(#"aura_invoice_event_failures_total{sink="webhook"} 2"#))
        #expect(setup.metric("aura_invoice_events_pending 0"))
        #expect(setup.outbox.pendingCount == 0)
        #expect(setup.outbox.isSent(sink: "webhook", key: "ESP-2026-10-r1"))

        // Another rerun after the events were sent: nothing is stored again, so a restarted
        // service has nothing to send.
        _ = try setup.service().issue(InvoiceJob(journal: done, input: try setup.input(extra: 3)))
        #expect(try setup.outbox.add(try Self.event(setup, revision: 2)).isEmpty)
        #expect(setup.outbox.pendingCount == 0)
    }

    /// The event of revision `revision` of the setup's invoice, as the issuer makes it.
    static func event(_ setup: Setup, revision: Int) throws -> InvoiceClosedEvent {
        let dir = setup.directory + "/invoices/ESP/2026-10/"
        let manifest = try InvoiceManifest.decode(
            try #require(FileManager.default.contents(atPath: dir + InvoiceWriter.manifestName(revision: revision))),
            source: dir)
        return try InvoiceClosedEvent(of: manifest, workbookLocation: "w", manifestLocation: "m")
    }

    @Test(
        "Kafka: the event is produced keyed <OB>-<YYYY-MM>, Confluent-framed with the schema id, Avro per the schema file"
    )
    func kafkaEvent() async throws {
        let setup = try Setup(sinks: ["kafka"])
        let job = InvoiceJob(journal: try setup.journal(), input: try setup.input())
        let issued = try setup.service().issue(job)
        #expect(issued.revision == 1)
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: Self.logger)
        let topic = "aura.billing.invoices"
        try cluster.createTopic(topic, partitions: 1)
        let properties = ["bootstrap.servers": cluster.bootstrapServers, "acks": "all", "linger.ms": "1"]
        let producer = try KafkaProducer(properties: properties, logger: Self.logger)
        let reader = try KafkaPartitionReader(properties: properties, logger: Self.logger)
        let tp = PartitionKey(topic: topic, partition: 0)
        let service = InvoiceEventService(
            outbox: setup.outbox, sinks: [KafkaEventSink(topic: topic, schemaID: 4242, producer: producer)],
            policy: Self.fastRetries, pollEvery: .milliseconds(20), metrics: setup.metrics, logger: Self.logger)
        try await Self.running(service) {
            let arrived = try await Blocking.run {
                let deadline = Date().addingTimeInterval(30)
                while try reader.watermarks(tp).high < 1, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
                return try reader.watermarks(tp).high
            }
            #expect(arrived == 1)
        }
        #expect(setup.outbox.isSent(sink: "kafka", key: "ESP-2026-10-r1"))
        #expect(setup.metric(#"aura_invoice_events_sent_total{sink="kafka"} 1"#))
        var records: [ReadRecord] = []
        try reader.read(tp, from: 0, until: try reader.watermarks(tp).high) { records.append($0) }
        #expect(records.count == 1, "one event for one revision")
        let record = try #require(records.first)
        #expect(String(decoding: record.key, as: UTF8.self) == "ESP-2026-10")
        #expect(Array(record.value.prefix(5)) == [0, 0, 0, 0x10, 0x92], "magic 0, schema id 4242 big-endian")
        let (schemaID, bodyOffset) = try record.value.withUnsafeBytes { try ConfluentFrame.split($0) }
        #expect(schemaID == 4242 && bodyOffset == 5)

        let schema = try AvroSchema.parse(file: DaemonHarness.root.path + "/deploy/schemas/InvoiceClosed.avsc")
        let fields = [
            "event_type", "idempotency_key", "ob", "period", "revision", "invoice_number", "currency", "total",
            "total_queries", "issue_date", "due_date", "closed_at", "forced", "inputs_digest", "manifest_sha256",
        ]
        let decoder = try AvroRecordDecoder(writer: schema, reader: schema, fields: fields)
        var values = AvroValues(count: fields.count)
        var offset = bodyOffset
        try record.value.withUnsafeBytes { try decoder.decode($0, offset: &offset, into: &values) }
        #expect(offset == record.value.count, "the body is exactly one record")
        let expected = try Self.event(setup, revision: 1)
        let slot = { (name: String) in fields.firstIndex(of: name)! }
        #expect(values.string(slot("event_type")) == "InvoiceClosed")
        #expect(values.string(slot("idempotency_key")) == "ESP-2026-10-r1")
        #expect(values.string(slot("ob")) == "ESP" && values.string(slot("period")) == "2026-10")
        #expect(values.long(slot("revision")) == 1)
        #expect(values.string(slot("invoice_number")) == expected.invoiceNumber)
        #expect(values.string(slot("currency")) == "EUR" && values.string(slot("total")) == expected.total)
        #expect(values.long(slot("total_queries")) == expected.totalQueries)
        #expect(values.string(slot("issue_date")) == expected.issueDate)
        #expect(values.string(slot("due_date")) == expected.dueDate)
        #expect(values.string(slot("closed_at")) == "2026-11-01T00:05:00Z")
        #expect(values.long(slot("forced")) == 0)
        #expect(values.string(slot("inputs_digest")) == expected.inputsDigest)
        #expect(values.string(slot("manifest_sha256")) == expected.manifestSHA256)
    }

    @Test("events.* rules: a topic needs its schema id, a webhook its secret file, each reported with file and line")
    func configurationRules() {
        let yaml = """
            kafka:
              brokers: "b:9092"
            state:
              dir: "/tmp/s"
            events:
              topic: "aura.billing.invoices"
              webhook_url: "ftp://example.com/hook"
            """
        let report = ConfigurationValidator().validate(yaml: yaml, file: "c.yaml")
        let messages = report.problems.map { "\($0.file):\($0.line): \($0.message)" }
        #expect(
            messages == [
                "c.yaml:5: events.topic needs events.schema_id: the schema registry's id of deploy/schemas/InvoiceClosed.avsc",
                "c.yaml:5: events.webhook_url must be an http:// or https:// URL, not `ftp://example.com/hook`",
                "c.yaml:5: events.webhook_url needs events.webhook_secret_file (the X-Aura-Signature secret)",
            ], "\(messages)")
        let fine = ConfigurationValidator().validate(
            yaml: yaml.replacingOccurrences(of: "ftp:", with: "https:")
                + "\n  schema_id: 7\n  webhook_secret_file: \"/run/secret\"\n",
            file: "c.yaml")
        #expect(fine.problems.isEmpty, "\(fine.problems)")
    }

    @Test("the webhook secret is read from its file at start; a missing or empty file is an error naming it")
    func webhookSecretFile() throws {
        let setup = try Setup(sinks: ["webhook"])
        let path = setup.directory + "/webhook-secret"
        for content in [nil, " \n"] as [String?] {
            if let content { try content.write(toFile: path, atomically: true, encoding: .utf8) }
            do {
                _ = try WebhookEventSink(url: "http://127.0.0.1:9/hook", secretFile: path)
                Issue.record("accepted \(content ?? "no file")")
            } catch let error as DaemonError {
                #expect(error.code == .configuration && error.source == path, "\(error)")
            }
        }
        try "\(Self.secret)\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(
            try WebhookEventSink(url: "http://127.0.0.1:9/hook", secretFile: path).secret == Array(Self.secret.utf8))
    }

    @Test(
        "sent events are kept by period and pruned whole once the period ended more than the retention ago; pending ones never"
    )
    func sentEventsPruned() async throws {
        let setup = try Setup(sinks: ["webhook", "kafka"])
        _ = try setup.service().issue(InvoiceJob(journal: try setup.journal(), input: try setup.input()))
        let template = try Self.event(setup, revision: 1)
        func event(_ period: String, _ revision: Int) -> InvoiceClosedEvent {
            var event = template
            event.period = period
            event.revision = revision
            event.idempotencyKey = InvoiceClosedEvent.idempotencyKey(ob: "ESP", period: period, revision: revision)
            return event
        }
        // Sent: two revisions of January, one of February, March, and October (already pending from
        // the issue above); a sent event of December in the layout before periods; November pending.
        let sent = [event("2026-01", 1), event("2026-01", 2), event("2026-02", 1), event("2026-03", 1), template]
        for e in sent {
            try setup.outbox.add(e)
            for sink in setup.outbox.sinks {
                let body = try setup.outbox.body(sink: sink, key: e.idempotencyKey)
                try setup.outbox.markSent(sink: sink, key: e.idempotencyKey, body: body)
            }
        }
        let legacy = setup.outbox.legacySentPath(sink: "webhook", key: "ESP-2025-12-r1")
        try event("2025-12", 1).json().write(to: URL(fileURLWithPath: legacy))
        try setup.outbox.add(event("2025-11", 1))
        #expect(
            setup.outbox.sentPath(sink: "kafka", key: "ESP-2026-01-r2").hasSuffix(
                "/kafka/sent/2026-01/ESP-2026-01-r2.json"))
        #expect(setup.outbox.isSent(sink: "webhook", key: "ESP-2025-12-r1"))
        #expect(try setup.outbox.add(event("2025-12", 1)) == ["kafka"], "the legacy sent copy still counts")
        try setup.outbox.markSent(
            sink: "kafka", key: "ESP-2025-12-r1", body: try setup.outbox.body(sink: "kafka", key: "ESP-2025-12-r1"))

        // 60 days on 2026-05-01: periods that ended by 2026-03-01 (plus a day for time zones) go.
        let now = try #require(InvoiceEventOutbox.end(ofPeriod: "2026-04"))
        #expect(try setup.outbox.pruneSent(retentionDays: 60, now: now) == 2 * 3 + 2)
        for key in ["ESP-2025-12-r1", "ESP-2026-01-r1", "ESP-2026-01-r2", "ESP-2026-02-r1"] {
            for sink in setup.outbox.sinks { #expect(!setup.outbox.isSent(sink: sink, key: key), "\(sink) \(key)") }
        }
        for key in ["ESP-2026-03-r1", "ESP-2026-10-r1"] {
            for sink in setup.outbox.sinks { #expect(setup.outbox.isSent(sink: sink, key: key), "\(sink) \(key)") }
        }
        #expect(setup.outbox.pendingKeys(sink: "webhook") == ["ESP-2025-11-r1"], "pending events are never pruned")
        #expect(try setup.outbox.pruneSent(retentionDays: 60, now: now) == 0)
        #expect(InvoiceEventService.sentRetentionDays(configured: 30, lateHorizonDays: 35) == 35)

        // The service prunes at start (the real clock: October 2026 is long past 1 day after).
        let service = InvoiceEventService(
            outbox: setup.outbox, sinks: [], policy: Self.fastRetries, pollEvery: .milliseconds(20),
            sentRetentionDays: 1, metrics: nil, logger: Self.logger)
        let outbox = setup.outbox
        try await Self.running(service) {
            let pruned = try await Blocking.run {
                let deadline = Date().addingTimeInterval(30)
                while outbox.isSent(sink: "kafka", key: "ESP-2026-10-r1"), Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.02)
                }
                return !outbox.isSent(sink: "kafka", key: "ESP-2026-10-r1")
            }
            #expect(pruned)
        }
        #expect(setup.outbox.pendingCount == 2, "November's event is still pending for both sinks")
    }
}
