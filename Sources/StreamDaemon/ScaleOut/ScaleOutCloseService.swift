import Aggregation
import Logging
import Prometheus
import ServiceLifecycle

/// The scale-out closes that run by themselves (it exists whenever `state.changelog_topic` is
/// set). On the instance that owns partition 0 of the audit topic — the leader — it:
/// - retries closes recorded in the close topic but not finished (a failed delivery, a closer
///   that stopped midway) with a bounded exponential back-off (`ScaleOutCloseSchedule`), without
///   any new trigger; never fatal;
/// - with `periods.auto_close`, closes every ready period each `interval`. Without it, it
///   never starts a close.
///
/// Every instance checks the close topic every few seconds; the leader reports what is pending
/// (`aura_invoices_pending_delivery`, `/readyz` detail) and logs each failed retry, the others
/// report nothing, so an alert fires once.
///
/// Owning that partition elects one instance of the group without any other coordination (Kafka
/// gives each partition to one member). During a rebalance two instances may both believe they
/// own it for a moment; the close protocol makes that harmless (the first close request in the
/// close topic wins, files are written once).
struct ScaleOutCloseService: Service {
    /// `periods.auto_close_check_seconds` with `periods.auto_close`; nil without.
    var autoCloseEvery: Duration?
    var policy: InvoiceBacklog.Policy = .init()
    var auditTopic: String
    var status: DaemonStatus
    /// The distributed close (blocking: called through `Blocking.run`).
    var closer: DistributedCloser
    var metrics: DaemonMetrics?
    var logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await loop() }
    }

    private func loop() async throws {
        let leader = PartitionKey(topic: auditTopic, partition: 0)
        var schedule = ScaleOutCloseSchedule(policy: policy, autoCloseEvery: autoCloseEvery, now: .now)
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: schedule.checkEvery)
            } catch {
                return  // cancelled: graceful shutdown
            }
            let snapshot = status.snapshot
            guard snapshot.assigned.contains(leader), snapshot.lagKnown, !snapshot.stopping else {
                schedule.standBy(now: .now)
                publish([])
                continue
            }
            await check(&schedule)
        }
    }

    /// One check on the leader: read what is pending, report it, and close when due.
    private func check(_ schedule: inout ScaleOutCloseSchedule) async {
        let closer = self.closer
        let pending: [String]
        do {
            // nil: a close runs on this closer now (admin endpoint, SIGUSR1); check again later.
            guard let keys = try await Blocking.run({ try closer.pendingKeys() }) else { return }
            pending = keys
        } catch {
            logger.error("close topic not readable", metadata: ["error": "\(error)"])
            return
        }
        publish(pending)
        switch schedule.next(pending: pending, now: .now) {
        case .none:
            return
        case .autoClose:
            do {
                let report = try await Blocking.run { try closer.close(.ready) }
                if !report.closed.isEmpty {
                    logger.notice("auto-closed \(report.closed.count) invoices through the changelog")
                }
            } catch {
                logger.error("auto-close failed", metadata: ["error": "\(error)"])
            }
        case .retry:
            await retry(pending, &schedule)
        }
    }

    /// Finishes the closes recorded and not finished; reports and logs what is left.
    private func retry(_ pending: [String], _ schedule: inout ScaleOutCloseSchedule) async {
        let closer = self.closer
        var errors: [String] = []
        var left = pending
        do {
            let report = try await Blocking.run { try closer.close(.recorded) }
            errors = report.errors
            left = try await Blocking.run { try closer.pendingKeys() } ?? pending
        } catch {
            // Nothing was issued: every pending invoice's attempt failed.
            metrics?.invoiceDeliveryFailures.increment(by: Int64(pending.count))
            errors = pending.map { "\(Self.label($0)): \(error)" }
        }
        publish(left)
        guard let delay = schedule.retried(left: left, now: .now) else {
            logger.notice(
                "pending invoices issued and delivered", metadata: ["invoices": "\(pending.joined(separator: ","))"])
            return
        }
        for key in left {
            let label = Self.label(key)
            let error = errors.first { $0.hasPrefix(label + ":") }.map { String($0.dropFirst(label.count + 2)) }
            logger.error(
                "invoice not issued; retrying in the background",
                metadata: [
                    "ob": "\(key.prefix(3))", "period": "\(key.dropFirst(4))",
                    "error": "\(error ?? "still pending in the close topic")",
                    "failures": "\(schedule.failures)", "next_attempt_in": "\(delay)",
                ])
        }
    }

    /// `OB YYYY-MM` (a close report line's prefix) of the close key `OB-YYYY-MM`.
    static func label(_ key: String) -> String { "\(key.prefix(3)) \(key.dropFirst(4))" }

    /// Sets `aura_invoices_pending_delivery` and the `/readyz` detail.
    private func publish(_ keys: [String]) {
        metrics?.invoicesPendingDelivery.set(to: Double(keys.count))
        status.update { $0.pendingDeliveries = keys }
    }
}
