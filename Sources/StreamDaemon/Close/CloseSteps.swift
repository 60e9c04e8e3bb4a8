import Aggregation
import Invoicing

/// What differs between the closers, step by step (`CloseExecutor` runs the steps in order):
/// where a close is recorded, how its periods are frozen and where the frozen state comes from,
/// and how an issued invoice is recorded done. `PeriodCloser` keeps journals in the state
/// directory; scale-out keeps requests and done notes in the close topic.
protocol CloseSteps {
    associatedtype Record: RecordedClose

    /// Step 1: the durable record of each target, in target order; an existing record wins (it
    /// fixes closed-at, forced and offsets). New ones record `closedAtMs` and `offsets`.
    func record(_ targets: [ClosePlan.Target], offsets: [InvoiceInputs.OffsetRange], closedAtMs: Int64) throws
        -> [Record]

    /// Step 2: freezes the targets' periods — from here on their events are late — and returns
    /// the state to invoice from; or, when the freeze cannot be confirmed yet, one report error
    /// per record. `state` is the merged state the plan was made from.
    func freeze(_ targets: [ClosePlan.Target], records: [Record], state: PartitionState) throws -> CloseExecutor.Freeze

}

/// `CloseSteps` whose step 3 runs inline (`CloseExecutor.run`, scale-out).
protocol CloseFinishing: CloseSteps {
    /// Step 3: runs `issue` (write and deliver the invoice of `record`; its argument decides
    /// whether the delivered revision is announced, `InvoiceIssuer.issue(_:input:announce:)`) and
    /// records it done.
    func finish(_ record: Record, issue: (_ announce: InvoiceIssuer.Announcing) throws -> CloseReport.Invoice)
        throws -> CloseReport.Invoice
}
