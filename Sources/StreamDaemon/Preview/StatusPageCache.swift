import Foundation
import Synchronization

/// The status page's priced rows (`StatusPage.make`), kept while the state they were priced from
/// has not changed, for at most `ttl`: reloading the page does not price two periods of every OB
/// again. A lock around one entry; the pricing runs outside it (two requests that miss at once
/// both price, and the second result is kept).
///
/// The key is what the figures depend on: the view's partitions (next offset, watermark, lag),
/// its newest checkpoint, the closes recorded and the periods finished or retired, and when the
/// catalog was loaded (SIGHUP). A view equal in all of these prices the same, so the cached
/// page's figures equal a preview of the same state. What depends on the wall clock alone —
/// readiness of idle partitions, the current period, a delivery finishing — is at most `ttl` old.
final class StatusPageCache: Sendable {
    /// What the priced rows depend on, besides the wall clock.
    struct Key: Equatable {
        var source: LiveStateView.Source
        var partitions: [LiveStateView.Partition]
        var lastCheckpointMs: Int64?
        var recorded: Set<ClosePlan.Key>
        var finished: Set<ClosePlan.Key>
        var retired: Set<ClosePlan.Key>
        var catalogLoadedAt: Date
    }

    struct Entry {
        var key: Key
        var pricedAt: ContinuousClock.Instant
        var page: StatusPage
    }

    /// How long a priced page is reused while its key holds.
    let ttl: Duration
    private let entry = Mutex<Entry?>(nil)

    init(ttl: Duration = .seconds(5)) {
        self.ttl = ttl
    }

    /// The page priced for `key` less than `ttl` before `now`, else `price()`'s (kept for the next
    /// request), and whether it was the cached one.
    func page(
        for key: Key, now: ContinuousClock.Instant, price: () async throws -> StatusPage
    ) async rethrows -> (page: StatusPage, hit: Bool) {
        let cached = entry.withLock { e -> StatusPage? in
            guard let e, e.key == key, now - e.pricedAt < ttl else { return nil }
            return e.page
        }
        if let cached { return (cached, true) }
        let page = try await price()
        entry.withLock { $0 = Entry(key: key, pricedAt: now, page: page) }
        return (page, false)
    }
}

extension StatusPageCache.Key {
    /// The key of `view` priced with the catalog loaded at `catalogLoadedAt`.
    init(view: LiveStateView, catalogLoadedAt: Date) {
        self.init(
            source: view.source, partitions: view.partitions, lastCheckpointMs: view.lastCheckpointMs,
            recorded: view.facts.recorded, finished: view.facts.finished, retired: view.facts.retired,
            catalogLoadedAt: catalogLoadedAt)
    }
}
