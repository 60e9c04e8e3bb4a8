import Aggregation
import Logging
import ServiceLifecycle

/// `periods.auto_close` when scaled out: every `interval`, the instance that owns partition 0 of
/// the audit topic runs the distributed close of every ready period.
///
/// Owning that partition elects one instance of the group without any other coordination (Kafka
/// gives each partition to one member). During a rebalance two instances may both believe they
/// own it for a moment; the close protocol makes that harmless (the first close request in the
/// close topic wins, files are written once).
struct ScaleOutAutoCloseService: Service {
    var interval: Duration
    var auditTopic: String
    var status: DaemonStatus
    /// The distributed close (blocking work goes off the pool inside).
    var closing: any PeriodClosing
    var logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await loop() }
    }

    private func loop() async throws {
        let leader = PartitionKey(topic: auditTopic, partition: 0)
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return  // cancelled: graceful shutdown
            }
            let snapshot = status.snapshot
            guard snapshot.assigned.contains(leader), snapshot.lagKnown, !snapshot.stopping else { continue }
            do {
                let report = try await closing.close(.ready)
                if !report.closed.isEmpty {
                    logger.notice("auto-closed \(report.closed.count) invoices through the changelog")
                }
            } catch {
                logger.error("auto-close failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
