/// What to close: every ready period (SIGUSR1, auto-close), or one period (admin endpoint).
enum CloseScope: Sendable, Equatable {
    /// Every (OB, period) that is ready and not yet closed.
    case ready
    /// One period, for one OB or all OBs with events in it; `force` skips the readiness gate.
    case period(String, ob: String?, force: Bool)
}

/// The outcome of one close request, returned to the admin endpoint as JSON.
struct CloseReport: Codable, Sendable, Equatable {
    struct Invoice: Codable, Sendable, Equatable {
        var ob: String
        var period: String
        var currency: String
        var total: String
        var totalQueries: Int64
        var totalRequests: Int64
        var workbook: String
        var revision: Int
        /// False when identical files already existed (an idempotent re-close).
        var written: Bool
        var forced: Bool
    }

    var closed: [Invoice] = []
    /// (OB, period) pairs asked for that are not ready (close them with force).
    var notReady: [String] = []
    var errors: [String] = []

    enum CodingKeys: String, CodingKey {
        case closed, notReady = "not_ready", errors
    }
}
