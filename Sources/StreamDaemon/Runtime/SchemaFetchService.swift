import Logging
import ServiceLifecycle

/// Fetches the schema ids the consumer thread asked for (`SchemaRegistryClient.requests`), so
/// that no registry request ever runs on the consumer thread. Each round fetches every queued id
/// on NIO's blocking pool; a transient failure (unreachable, timeout, 5xx, a 404 within the
/// grace) is retried after a back-off of `initialDelay` doubling to `maxDelay`, reset by a round
/// without one. Logged once when the registry starts failing and once when it answers again.
struct SchemaFetchService: Service {
    var client: SchemaRegistryClient
    var logger: Logger
    var initialDelay: Duration = .milliseconds(500)
    var maxDelay: Duration = .seconds(30)

    func run() async throws {
        await cancelWhenGracefulShutdown { await loop() }
    }

    private func loop() async {
        let client = self.client
        var delay = initialDelay
        var failing = false
        for await _ in client.requests {
            while !Task.isCancelled, !client.pendingIDs.isEmpty {
                let failure: String?
                do {
                    failure = try await Blocking.run { client.fetchPending() }
                } catch {
                    return  // the blocking pool is shutting down
                }
                guard let failure else {
                    if failing { logger.notice("schema registry answers again") }
                    (failing, delay) = (false, initialDelay)
                    continue
                }
                if !failing {
                    logger.error(
                        "schema registry failing; partitions needing its schemas pause",
                        metadata: ["error": "\(failure)", "retry_in": "\(delay)"])
                }
                failing = true
                do { try await Task.sleep(for: delay) } catch { return }  // cancelled: shutdown
                delay = min(delay * 2, maxDelay)
            }
        }
    }
}
