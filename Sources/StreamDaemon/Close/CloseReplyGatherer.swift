import Synchronization

/// Gathers the background outcomes of one close request's invoices and replies once every one
/// is in: the invoices issued (in job order), and for each failed one an error naming its
/// (OB, period) — that invoice stays queued and is retried in the background.
final class CloseReplyGatherer: Sendable {
    private enum Outcome {
        case issued(CloseReport.Invoice)
        case failed(String)
    }

    private struct State {
        var report: CloseReport
        var outcomes: [Outcome?]
    }

    private let state: Mutex<State>
    private let keys: [String]
    private let reply: @Sendable (Result<CloseReport, any Error>) -> Void

    /// `report` is the close's report so far (not ready, errors); `jobs` its invoices.
    init(report: CloseReport, jobs: [InvoiceJob], reply: @escaping @Sendable (Result<CloseReport, any Error>) -> Void) {
        state = Mutex(State(report: report, outcomes: Array(repeating: nil, count: jobs.count)))
        keys = jobs.map { "\($0.journal.ob) \($0.journal.period)" }
        self.reply = reply
    }

    /// The waiter of job `index`.
    func waiter(_ index: Int) -> InvoiceBacklog.Waiter {
        { [self] result in
            let outcome: Outcome
            switch result {
            case .success(let invoice): outcome = .issued(invoice)
            case .failure(let error): outcome = .failed("\(keys[index]): \(error) (queued, retried in the background)")
            }
            let complete = state.withLock { state -> CloseReport? in
                state.outcomes[index] = outcome
                let outcomes = state.outcomes.compactMap { $0 }
                guard outcomes.count == state.outcomes.count else { return nil }
                var report = state.report
                for outcome in outcomes {
                    switch outcome {
                    case .issued(let invoice): report.closed.append(invoice)
                    case .failed(let error): report.errors.append(error)
                    }
                }
                return report
            }
            if let complete { reply(.success(complete)) }
        }
    }
}
