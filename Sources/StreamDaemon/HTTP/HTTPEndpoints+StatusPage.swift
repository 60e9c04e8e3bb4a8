import Hummingbird
import NIOCore

extension HTTPEndpoints {
    /// `GET /`: the status page (`StatusPage`), HTML with inline CSS and no script. The rows are
    /// priced off the cooperative pool and reused while the state is unchanged
    /// (`StatusPageCache`); the health part is read on every request.
    func addStatusPage(to router: Router<BasicRequestContext>) {
        let (previews, status) = (self.previews, self.status)
        let cache = StatusPageCache()
        router.get("/") { _, _ -> Response in
            let nowMs = LiveStateView.wallClockMs()
            var page: StatusPage
            if let previews {
                do {
                    let view = try await previews.view()
                    let context = previews.context
                    let key = StatusPageCache.Key(view: view, catalogLoadedAt: context.snapshot.loadedAt)
                    page = try await cache.page(for: key, now: .now) {
                        try await Blocking.run {
                            StatusPage.make(
                                view: .success(view), context: context, status: status,
                                invoicesDir: previews.invoicesDir, stateDir: previews.stateDir, nowMs: nowMs)
                        }
                    }.page
                } catch {
                    page = StatusPage.make(
                        view: .failure(error), context: previews.context, status: status,
                        invoicesDir: previews.invoicesDir, stateDir: previews.stateDir, nowMs: nowMs)
                }
                page.generatedAtMs = nowMs
                page.notReady = status.notReadyReasons()
                page.detail = status.readinessDetail()
            } else {
                page = StatusPage(
                    generatedAtMs: nowMs, pricedAtMs: nowMs, notReady: status.notReadyReasons(),
                    detail: status.readinessDetail(), view: nil, viewProblem: "previews are not available here",
                    obs: [])
            }
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: page.html())))
        }
    }
}
