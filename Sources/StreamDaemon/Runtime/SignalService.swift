import Logging
import ServiceLifecycle
import UnixSignals

/// Turns SIGHUP (reload catalog, dimensions and new OBs' time zones) and SIGUSR1 (close every ready period) into calls.
/// SIGTERM and SIGINT are the `ServiceGroup`'s graceful-shutdown signals, not handled here.
struct SignalService: Service {
    var onReload: @Sendable () async -> Void
    var onCloseReady: @Sendable () async -> Void
    var logger: Logger
    /// Called once the signals are trapped (from then on none is lost).
    var onTrapped: @Sendable () -> Void = {}

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup, .sigusr1)
        onTrapped()
        for await signal in signals.cancelOnGracefulShutdown() {
            switch signal {
            case .sighup:
                logger.notice("SIGHUP: reloading tariff catalog, dimensions and OB time zones")
                await onReload()
            case .sigusr1:
                logger.notice("SIGUSR1: closing every period that is ready")
                await onCloseReady()
            default:
                continue
            }
        }
    }
}
