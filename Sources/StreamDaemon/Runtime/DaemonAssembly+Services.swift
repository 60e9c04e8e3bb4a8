import Aggregation
import Avro
import Foundation
import KafkaBridge
import Logging
import Prometheus
import ServiceLifecycle

extension DaemonAssembly {
    /// The consumer service; the engine (with its quarantine writer and, scaled out, the
    /// changelog publish after each checkpoint) is made on the consumer thread.
    func makeConsumer() -> ConsumerService {
        let configuration = self.configuration
        let (zones, schemas, metrics, logger) = (self.zones, self.schemas, self.metrics, self.logger)
        let (engineSettings, quarantinePath, dlqProducer) = (self.engineSettings, self.quarantinePath, self.dlqProducer)
        let quarantineTopic = configuration.quarantineTopic
        let consumer = ConsumerService(
            settings: .init(
                consumerProperties: configuration.consumerProperties,
                topics: [configuration.kafka.auditTopic, configuration.kafka.gatewayTopic],
                graceMs: configuration.graceMs,
                // Scale-out: auto-close runs through the changelog (ScaleOutCloseService).
                autoClose: configuration.autoClose && !configuration.isScaledOut,
                autoCloseCheckEvery: configuration.autoCloseCheckInterval,
                pinnedClosedAtMs: configuration.pinnedClosedAtMs,
                tokenProvider: tokens,
                quarantineBacklogLimit: configuration.quarantineMaxBacklogMiB << 20
            ),
            control: daemon.control, status: daemon.status, notifier: daemon.notifier, metrics: metrics,
            context: daemon.context, invoices: invoices, logger: logger
        ) {
            let quarantine = try QuarantineWriter(
                path: quarantinePath, topic: quarantineTopic, producer: dlqProducer,
                limits: configuration.quarantineLimits, metrics: metrics, logger: logger)
            // Scale-out: a checkpoint counts (its offsets become committable) only once it (a
            // base, or a delta of the base published before) is also acknowledged in the changelog.
            var afterSave: CheckpointWriter.AfterSave?
            if let changelog = engineSettings.scaleOut?.changelog {
                afterSave = { key, checkpoint, _, nextOffset in
                    _ = try changelog.publish(key, checkpoint: checkpoint, nextOffset: nextOffset, watermarkMs: nil)
                }
            }
            return try BillingEngine(
                settings: engineSettings, zones: zones, schemas: schemas, quarantine: quarantine, metrics: metrics,
                logger: logger, afterSave: afterSave)
        }
        return consumer
    }

    /// Issues the invoices frozen by closes on one machine, in the background with retries.
    func makeInvoiceIssuing() -> InvoiceIssuingService {
        InvoiceIssuingService(
            queue: invoices,
            issuer: InvoiceIssuer(
                context: daemon.context, invoicesDir: configuration.invoicesDir, delivery: delivery, metrics: metrics,
                logger: logger, events: events?.outbox),
            stateDir: configuration.stateDir)
    }

    /// Sends the invoice events of the outbox (`events.*`); nil when no sink is configured.
    func makeInvoiceEvents() -> InvoiceEventService? {
        guard let events else { return nil }
        return InvoiceEventService(
            outbox: events.outbox, sinks: events.sinks, policy: configuration.events.retryPolicy,
            sentRetentionDays: InvoiceEventService.sentRetentionDays(
                configured: configuration.events.sentRetentionDays, lateHorizonDays: configuration.lateHorizonDays),
            metrics: metrics, logger: logger)
    }

    /// `/metrics`, `/healthz`, `/readyz`, `POST /admin/close` and the previews, bound to `http.address`.
    func makeHTTP() -> any Service {
        var http = HTTPEndpoints(
            metrics: metrics, status: daemon.status, adminToken: admin.token,
            close: HTTPEndpoints.closeHandler(closing))
        let explaining = LineExplaining(
            context: daemon.context, invoicesDir: configuration.invoicesDir, stateDir: configuration.stateDir,
            lateHorizonMs: configuration.lateHorizonMs)
        if let scaledOut = closing as? ScaleOutPeriodClosing {
            http.explain = LineExplaining.changelogHandler(explaining, closer: scaledOut.closer, zones: zones)
        } else {
            http.explain = LineExplaining.daemonHandler(explaining, control: daemon.control, status: daemon.status)
        }
        http.previews = makePreviews()
        return http.application(host: host, port: port, logger: logger, onBound: daemon.onHTTPBound)
    }

    /// Running invoices: scaled out from the changelog (any instance answers for every
    /// partition), else from the views the consumer thread publishes.
    func makePreviews() -> InvoicePreviews {
        var previews: InvoicePreviews
        if let closer = (closing as? ScaleOutPeriodClosing)?.closer {
            previews = .changelog(closer, context: daemon.context)
        } else {
            previews = .live(daemon.control.snapshots, context: daemon.context)
        }
        previews.invoicesDir = configuration.invoicesDir
        previews.stateDir = configuration.stateDir
        return previews
    }

    /// SIGHUP reloads the catalog and dimensions; SIGUSR1 closes every ready period.
    func makeSignals() -> SignalService {
        let closing = self.closing
        let (context, zones, metrics, logger) = (daemon.context, self.zones, self.metrics, self.logger)
        let signals = SignalService(
            onReload: {
                do {
                    let added = try context.reload(zones: zones)
                    metrics.reloads.increment()
                    logger.notice(
                        "reloaded tariff catalog, dimensions and OB time zones",
                        metadata: ["new_obs": "\(added.joined(separator: ","))"])
                } catch {
                    metrics.reloadFailures.increment()
                    logger.error(
                        "reload rejected; keeping the previous catalog and dimensions", metadata: ["error": "\(error)"])
                }
            },
            onCloseReady: {
                do {
                    let report = try await closing.close(.ready)
                    logger.notice(
                        "SIGUSR1 close finished",
                        metadata: ["closed": "\(report.closed.count)", "errors": "\(report.errors.count)"])
                } catch let error as DaemonError where error.code == .notReady {
                    logger.warning("SIGUSR1 close not run: daemon not ready", metadata: ["reasons": "\(error.message)"])
                } catch {
                    logger.error("SIGUSR1 close failed", metadata: ["error": "\(error)"])
                }
            },
            logger: logger
        )
        return signals
    }

    /// Scale-out: the leader's retry of closes recorded but not finished, and with
    /// `periods.auto_close` the distributed auto-close (on one machine the consumer loop
    /// auto-closes and `InvoiceIssuingService` retries). Nil on one machine.
    func makeScaleOutClose() -> ScaleOutCloseService? {
        guard let closer = (closing as? ScaleOutPeriodClosing)?.closer else { return nil }
        return ScaleOutCloseService(
            autoCloseEvery: configuration.autoClose ? configuration.autoCloseCheckInterval : nil,
            auditTopic: configuration.kafka.auditTopic, status: daemon.status, closer: closer, metrics: metrics,
            logger: logger)
    }
}
