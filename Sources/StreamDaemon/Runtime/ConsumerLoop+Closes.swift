import Aggregation
import Logging

/// The loop's close steps: the scale-out close tail, resuming interrupted closes, READY, close
/// requests and auto-close. Closes run here, on the consumer thread that owns the states.
extension ConsumerLoop {
    /// Scale-out, every 200 ms: freezes the periods other closers asked for, and publishes promptly.
    func applyRemoteClosesIfDue(_ now: ContinuousClock.Instant) {
        guard let scaleOut = engine.settings.scaleOut, closeTail.fire(now) else { return }
        do {
            let requests = try scaleOut.pollRequests()
            if engine.applyCloses(requests) {
                committer.commit(try engine.checkpoint())
                logger.notice("froze periods on a close request", metadata: ["closes": "\(requests.map(\.key))"])
            }
        } catch {
            logger.error("cannot apply close requests; will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Once partitions are assigned: finishes the closes a crash interrupted.
    func resumeInterruptedClosesOnce() throws {
        guard !engine.slots.isEmpty && !resumed else { return }
        resumed = true
        for invoice in try closer.resumePending() {
            logger.notice(
                "finished an interrupted close", metadata: ["ob": "\(invoice.ob)", "period": "\(invoice.period)"])
        }
    }

    /// Tells systemd READY once the state is loaded and partitions are assigned.
    func sendReadyOnce() {
        guard !readySent, status.snapshot.stateLoaded, !engine.slots.isEmpty else { return }
        readySent = true
        notifier.ready(status: "consuming \(engine.slots.count) partitions")
    }

    /// Runs the closes queued by HTTP and signals, replying to each.
    func serveCloseRequests() {
        for pending in control.takeCloses() {
            pending.reply(Result { try closer.close(pending.scope) })
        }
    }

    /// With `periods.auto_close`, every check interval once the lag is known: closes what is ready.
    func autoCloseIfDue(_ now: ContinuousClock.Instant) {
        guard settings.autoClose, autoClose.isDue(now), status.snapshot.lagKnown else { return }
        autoClose.ran(at: now)
        do {
            let report = try closer.close(.ready)
            if !report.closed.isEmpty { logger.notice("auto-closed \(report.closed.count) invoices") }
        } catch {
            logger.error("auto-close failed", metadata: ["error": "\(error)"])
        }
    }
}
