import Invoicing

/// One invoice to issue in the background: the close journal that fixes what it says (closed-at,
/// forced, offsets) and the invoice input built from the frozen aggregates on the consumer
/// thread. A value: the background never touches the partition states.
struct InvoiceJob: Sendable, Equatable {
    var journal: CloseJournal
    var input: InvoiceInput

    /// `OB-YYYY-MM`, the queue's key (one pending invoice per (OB, period)).
    var key: String { "\(journal.ob)-\(journal.period)" }
}
