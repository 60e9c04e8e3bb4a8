import Aggregation
import Logging

/// The loop's close steps: the scale-out close tail, resuming interrupted closes, READY, close
/// requests and auto-close. Closes are planned, recorded and frozen here, on the consumer thread
/// that owns the states (quick: journal writes and one checkpoint); their invoices are issued in
/// the background (`InvoiceQueue`, `InvoiceIssuingService`), so a slow or failing delivery never
/// holds up consumption or the watchdog.
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

    /// Once partitions are assigned: queues the invoices of the closes a crash interrupted
    /// (frozen, journal not done) for the background. Never fails the loop: a journal that
    /// cannot be read is logged, and the next close of its period finishes it.
    func resumeInterruptedClosesOnce() throws {
        guard !engine.slots.isEmpty && !resumed else { return }
        resumed = true
        do {
            let jobs = try closer.pendingJobs()
            guard !jobs.isEmpty else { return }
            logger.notice("finishing interrupted closes in the background", metadata: ["closes": "\(jobs.map(\.key))"])
            closer.invoices.submit(jobs)
        } catch {
            logger.error(
                "cannot resume interrupted closes; closing their period again finishes them",
                metadata: ["error": "\(error)"])
        }
    }

    /// Tells systemd READY once the state is loaded and partitions are assigned.
    func sendReadyOnce() {
        guard !readySent, status.snapshot.stateLoaded, !engine.slots.isEmpty else { return }
        readySent = true
        notifier.ready(status: "consuming \(engine.slots.count) partitions")
    }

    /// Freezes the closes queued by HTTP and signals and queues their invoices; each request is
    /// answered once its invoices are issued (or failed), without holding up this thread.
    func serveCloseRequests() {
        for pending in control.takeCloses() {
            let frozen: PeriodCloser.Frozen
            do { frozen = try closer.close(pending.scope) } catch {
                pending.reply(.failure(error))
                continue
            }
            guard !frozen.jobs.isEmpty else {
                pending.reply(.success(frozen.report))
                continue
            }
            let gatherer = CloseReplyGatherer(report: frozen.report, jobs: frozen.jobs, reply: pending.reply)
            closer.invoices.submit(frozen.jobs, waiter: gatherer.waiter)
        }
    }

    /// Every check interval once the lag is known: with `periods.auto_close`, closes what is
    /// ready (its invoices issued in the background); without, only sets
    /// `aura_periods_ready_to_close`.
    func autoCloseIfDue(_ now: ContinuousClock.Instant) {
        guard autoClose.isDue(now), status.snapshot.lagKnown else { return }
        autoClose.ran(at: now)
        guard settings.autoClose else {
            do { try closer.updateReadyGauge() } catch {
                logger.warning("cannot compute the periods ready to close", metadata: ["error": "\(error)"])
            }
            return
        }
        do {
            let frozen = try closer.close(.ready)
            for error in frozen.report.errors { logger.error("auto-close: \(error)") }
            if !frozen.jobs.isEmpty {
                logger.notice("auto-closed \(frozen.jobs.count) invoices; issuing them in the background")
                closer.invoices.submit(frozen.jobs)
            }
        } catch {
            logger.error("auto-close failed", metadata: ["error": "\(error)"])
        }
    }
}
