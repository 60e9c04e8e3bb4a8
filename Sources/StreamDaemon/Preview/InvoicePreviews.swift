/// Running invoices for the HTTP endpoints: takes a `LiveStateView` from where this daemon's
/// states are (the consumer's published views on one machine, the changelog scaled out) and
/// prices it with `InvoicePreviewer`.
package struct InvoicePreviews: Sendable {
    let context: InvoicingContext
    /// The view to price from; throws `DaemonError(.notReady)` while there is none to take.
    let view: @Sendable () async throws -> LiveStateView
    /// Where closed invoices are written (`invoices.dir`), for the status page; nil: not shown.
    var invoicesDir: String? = nil
    /// The state directory with the close journals (delivery state), for the status page.
    var stateDir: String? = nil

    /// One machine: the views the consumer thread publishes on request.
    static func live(_ snapshots: LiveStateSnapshots, context: InvoicingContext) -> InvoicePreviews {
        InvoicePreviews(context: context, view: { try await snapshots.current() })
    }

    /// Scaled out: every partition's newest changelog state, read on the blocking pool.
    static func changelog(_ closer: DistributedCloser, context: InvoicingContext) -> InvoicePreviews {
        InvoicePreviews(context: context, view: { try await Blocking.run { try closer.previewView() } })
    }

    /// The running invoice `request` names (see `InvoicePreviewer.preview`).
    func preview(_ request: PreviewRequest) async throws -> InvoicePreview {
        let view = try await view()
        return try InvoicePreviewer(context: context).preview(request, view: view, nowMs: LiveStateView.wallClockMs())
    }
}
