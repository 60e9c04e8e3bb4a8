import Aggregation
import Foundation
import Synchronization
import Testing

@testable import StreamDaemon

/// The status page reuses its priced rows while the state is unchanged (`StatusPageCache`), and
/// prices again when the state moved; the figures still equal the preview endpoint's.
@Suite("Status page cache")
struct StatusPageCacheTests {
    static let audit = EngineFixture.audit

    static func key(nextOffset: Int64, loadedAt: Date = Date(timeIntervalSince1970: 0)) -> StatusPageCache.Key {
        StatusPageCache.Key(
            source: .live,
            partitions: [LiveStateView.Partition(key: audit, watermarkMs: 1_000, nextOffset: nextOffset, lag: 0)],
            lastCheckpointMs: nil, recorded: [], finished: [], retired: [], catalogLoadedAt: loadedAt)
    }

    static func page(_ ms: Int64) -> StatusPage {
        StatusPage(
            generatedAtMs: ms, pricedAtMs: ms, notReady: [], detail: [], view: nil, viewProblem: nil, obs: [])
    }

    /// How many times a test's pricing ran.
    final class Count: Sendable {
        let value = Mutex(0)
        func price(_ ms: Int64) -> StatusPage {
            value.withLock { $0 += 1 }
            return StatusPageCacheTests.page(ms)
        }
    }

    @Test("the same key within the TTL reuses the page; another offset, catalog or an expired entry prices again")
    func reuse() async throws {
        let cache = StatusPageCache()
        let count = Count()
        let t0 = ContinuousClock.now
        let first = await cache.page(for: Self.key(nextOffset: 10), now: t0) { count.price(1) }
        let again = await cache.page(for: Self.key(nextOffset: 10), now: t0 + .seconds(1)) { count.price(2) }
        #expect(!first.hit && again.hit && again.page.pricedAtMs == 1 && count.value.withLock { $0 } == 1)
        let moved = await cache.page(for: Self.key(nextOffset: 11), now: t0 + .seconds(2)) { count.price(3) }
        #expect(!moved.hit && moved.page.pricedAtMs == 3)
        let reloaded = await cache.page(
            for: Self.key(nextOffset: 11, loadedAt: Date(timeIntervalSince1970: 1)), now: t0 + .seconds(3)
        ) { count.price(4) }
        #expect(!reloaded.hit && reloaded.page.pricedAtMs == 4)
        let expired = await cache.page(
            for: Self.key(nextOffset: 11, loadedAt: Date(timeIntervalSince1970: 1)), now: t0 + .seconds(9)
        ) { count.price(5) }
        #expect(!expired.hit && expired.page.pricedAtMs == 5 && count.value.withLock { $0 } == 4)
    }

    /// `data-ms` of the page's "priced" stamp.
    static func pricedMs(_ html: String) throws -> Int64 {
        let match = try #require(html.firstMatch(of: /<span id="priced" data-ms="([0-9]+)">/), "\(html.prefix(600))")
        return try #require(Int64(match.output.1))
    }

    @Test("GET / twice on an unchanged state prices once; new events price again, equal to the preview endpoint")
    func endpoint() async throws {
        let fixture = try EngineFixture()
        let engine = try fixture.makeEngine()
        defer { engine.shutdown() }
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: .now)
        let calendar = try #require(try EngineFixture.zones().calendar(forOB: "ESP"))
        let current = try calendar.period(ofUTCMillis: LiveStateView.wallClockMs()).description
        let first = try EngineFixture.messages(audit: 200, gateway: 100, month: current)
        let second = try EngineFixture.messages(
            audit: 100, gateway: 50, seed: 22, month: current,
            from: [EngineFixture.audit: 200, EngineFixture.gateway: 100])
        consumer.events = [.assign([EngineFixture.audit, EngineFixture.gateway]), .messages(first)]
        for _ in 0..<2 { try loop.step(now: nil) }
        try await InvoicePreviewTests.withServer(fixture) { port in
            let url = "http://127.0.0.1:\(port)/"
            let (a, b) = try await InvoicePreviewTests.stepping(loop) {
                (try await HTTPEndpointsTests.curl([url]), try await HTTPEndpointsTests.curl([url]))
            }
            #expect(a.status == 200 && b.status == 200)
            #expect(try Self.pricedMs(a.body) == (try Self.pricedMs(b.body)), "the second load priced again")
            let before = try StatusPageBrowserTests.cells("total", in: a.body)
            #expect(before == (try StatusPageBrowserTests.cells("total", in: b.body)))
            #expect(before["ESP \(current)"] != nil, "\(before)")

            consumer.events.append(.messages(second))
            try loop.step(now: nil)
            let (c, preview) = try await InvoicePreviewTests.stepping(loop) {
                (
                    try await HTTPEndpointsTests.curl([url]),
                    try InvoicePreviewTests.decode(try await InvoicePreviewTests.get(port, "ob=ESP"))
                )
            }
            #expect(try Self.pricedMs(c.body) > (try Self.pricedMs(a.body)), "new events did not reprice")
            let queries = try StatusPageBrowserTests.cells("queries", in: c.body)
            #expect(
                try StatusPageBrowserTests.cells("total", in: c.body)["ESP \(current)"]
                    == "\(preview.total) \(preview.currency)")
            #expect(queries["ESP \(current)"] == "\(preview.totalQueries)")
            #expect(queries != (try StatusPageBrowserTests.cells("queries", in: a.body)), "the figures moved")
        }
    }
}
