import Hummingbird
import NIOCore

extension HTTPEndpoints {
    /// `GET /`: the status page (`StatusPage`), HTML with inline CSS and no script.
    func addStatusPage(to router: Router<BasicRequestContext>) {
        let (previews, status) = (self.previews, self.status)
        router.get("/") { _, _ -> Response in
            let nowMs = LiveStateView.wallClockMs()
            let page: StatusPage
            if let previews {
                let view: Result<LiveStateView, any Error>
                do { view = .success(try await previews.view()) } catch { view = .failure(error) }
                page = StatusPage.make(
                    view: view, context: previews.context, status: status, invoicesDir: previews.invoicesDir,
                    stateDir: previews.stateDir, nowMs: nowMs)
            } else {
                page = StatusPage(
                    generatedAtMs: nowMs, notReady: status.notReadyReasons(), detail: status.readinessDetail(),
                    view: nil, viewProblem: "previews are not available here", obs: [])
            }
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: page.html())))
        }
    }
}
