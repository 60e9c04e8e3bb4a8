import Aggregation
import Avro
import Foundation
import Invoicing
import Logging
import Synchronization

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// A real `BillingEngine` on a temporary state directory (the demo's schemas and OBs), with a
/// consumer loop around it whose Kafka consumer is a `FakePartitionConsumer`. Only the consumer
/// is fake: states, checkpoint files and the checkpoint writer thread are the daemon's own.
final class EngineFixture {
    static let audit = PartitionKey(topic: "aura.audit", partition: 0)
    static let gateway = PartitionKey(topic: "aura.gateway", partition: 0)

    /// A checkpoint write the test makes fail (in the after-save hook, after the file is saved).
    struct CheckpointRefused: Error {}

    let directory: String
    var stateDir: String { directory + "/state" }
    let metrics = DaemonMetrics(auditTopic: audit.topic, gatewayTopic: gateway.topic)
    let status = DaemonStatus()
    let control = ConsumerControl()
    let logger = Logger(label: "test.engine")
    /// The invoices frozen by closes of the loop; nothing issues them unless the test runs an
    /// `InvoiceIssuingService` on it (`issuing(delivery:)`).
    let invoices: InvoiceQueue
    /// The tariff catalog and names closes price with (the deploy catalog).
    let context: InvoicingContext
    /// A switch the after-save hook reads on the writer thread.
    final class Switch: Sendable {
        private let state = Mutex(false)
        var isOn: Bool {
            get { state.withLock { $0 } }
            set { state.withLock { $0 = newValue } }
        }
    }

    /// While on, every checkpoint write fails.
    let failCheckpoints = Switch()

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("engine-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/state", withIntermediateDirectories: true)
        invoices = InvoiceQueue(metrics: metrics, status: status, logger: logger)
        context = try InvoicingContext(
            tariffsPath: DaemonHarness.root.path + "/deploy/tariffs.yaml", dimensionsDir: nil)
    }

    /// The service that issues `invoices` into `<directory>/invoices`, delivering with `delivery`.
    func issuing(delivery: InvoiceDelivery?) -> InvoiceIssuingService {
        InvoiceIssuingService(
            queue: invoices,
            issuer: InvoiceIssuer(
                context: context, invoicesDir: directory + "/invoices", delivery: delivery, metrics: metrics,
                logger: logger),
            stateDir: stateDir)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// An engine on `stateDir`; stop its writer thread with `shutdown()`.
    func makeEngine(
        checkpointEveryEvents: Int = 1_000_000, checkpointInterval: Duration = .seconds(60),
        schemas registry: (any WriterSchemaSource)? = nil, quarantinePath: String? = nil, lateHorizonMs: Int64? = nil
    ) throws -> BillingEngine {
        let schemas = try registry ?? Self.localSchemas()
        let settings = BillingEngine.Settings(
            stateDir: stateDir, auditTopic: Self.audit.topic, gatewayTopic: Self.gateway.topic,
            checkpointEveryEvents: checkpointEveryEvents, checkpointInterval: checkpointInterval,
            lateHorizonMs: lateHorizonMs)
        let refuse = failCheckpoints
        return try BillingEngine(
            settings: settings, zones: try Self.zones(), schemas: schemas,
            quarantine: try QuarantineWriter(
                path: quarantinePath ?? directory + "/quarantine.jsonl", topic: nil, producer: nil),
            metrics: metrics, logger: logger,
            afterSave: { _, _, _, _ in if refuse.isOn { throw CheckpointRefused() } })
    }

    /// The demo's two writer schemas from memory.
    static func localSchemas() throws -> LocalSchemaFiles {
        LocalSchemaFiles(schemas: [
            DemoMonthGenerator.auditSchemaID: try AvroSchema.parse(json: DemoAssets.auditSchema, source: "audit"),
            DemoMonthGenerator.gatewaySchemaID: try AvroSchema.parse(json: DemoAssets.gatewaySchema, source: "gateway"),
        ])
    }

    static func zones() throws -> OBTimeZones {
        try OBTimeZones(
            Dictionary(uniqueKeysWithValues: DemoCatalogue.operatingBusinesses.map { ($0.code, $0.timeZone) }))
    }

    /// Demo messages, audit ones on `audit` and gateway ones on `gateway`, at offsets from 0.
    /// `from` gives the first offset of each partition (default 0).
    static func messages(
        audit: Int, gateway: Int, seed: UInt64 = 16, month: String = "2026-10", from: [PartitionKey: Int64] = [:]
    ) throws -> [FakePartitionConsumer.Message] {
        var generator = try DemoMonthGenerator(seed: seed, month: month, auditEvents: audit, gatewayEvents: gateway)
        var next = from
        var messages: [FakePartitionConsumer.Message] = []
        while let demo = generator.next() {
            let key = demo.topic == .audit ? Self.audit : Self.gateway
            messages.append(.init(key: key, offset: next[key, default: 0], value: demo.value))
            next[key, default: 0] += 1
        }
        return messages
    }

    /// The consumer loop the daemon runs around `engine`, with a fake consumer made the way
    /// `ConsumerService` makes the real one.
    func makeLoop(engine: BillingEngine, start: ContinuousClock.Instant, quarantineBacklogLimit: Int = 64 << 20) throws
        -> (ConsumerLoop, FakePartitionConsumer)
    {
        let service = ConsumerService(
            settings: .init(
                consumerProperties: [:], topics: [Self.audit.topic, Self.gateway.topic], graceMs: 0, autoClose: false,
                quarantineBacklogLimit: quarantineBacklogLimit),
            control: control, status: status, notifier: SystemdNotifier(environment: [:]), metrics: metrics,
            context: context, invoices: invoices, logger: logger,
            makeEngine: { throw CheckpointRefused() })
        let handover = PartitionHandover(engine: engine, status: status, logger: logger)
        let consumer = FakePartitionConsumer(rebalance: handover.handler)
        handover.consumer = consumer
        try consumer.subscribe(service.settings.topics)
        let committer = OffsetCommitter(consumer: consumer, metrics: metrics, logger: logger) { engine.assigned }
        let closer = PeriodCloser(
            engine: engine, context: context, invoices: invoices, graceMs: 0, metrics: metrics, logger: logger,
            commit: { committer.commit($0) },
            isIdle: { ConsumerService.lag(consumer: consumer, engine: engine, $0) == 0 })
        let parts = ConsumerLoop.Parts(
            engine: engine, consumer: consumer, handover: handover, committer: committer, closer: closer)
        return (ConsumerLoop(service: service, parts: parts, start: start), consumer)
    }

    /// The checkpoint files of `key` in the state directory.
    func checkpointFiles(_ key: PartitionKey) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: stateDir)
            .filter { $0.hasPrefix(PartitionSlot.checkpointName(key) + ".") && $0.hasSuffix(".ckpt") }.sorted()
    }

    /// The next offset held by the newest valid checkpoint of `key`, nil without one.
    func checkpointedNextOffset(_ key: PartitionKey) throws -> Int64? {
        let store = CheckpointStore(directory: stateDir, name: PartitionSlot.checkpointName(key), logger: logger)
        guard let loaded = try? store.load(zones: try Self.zones()) else { return nil }
        return loaded.state.partitions.first { $0.key == key }?.nextOffset
    }
}
