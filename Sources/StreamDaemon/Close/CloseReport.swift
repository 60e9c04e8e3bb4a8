/// The outcome of one close request, returned to the admin endpoint as JSON.
package struct CloseReport: Codable, Sendable, Equatable {
    package struct Invoice: Codable, Sendable, Equatable {
        package var ob: String
        package var period: String
        package var currency: String
        package var total: String
        package var totalQueries: Int64
        package var totalRequests: Int64
        package var workbook: String
        package var revision: Int
        /// False when identical files already existed (an idempotent re-close).
        package var written: Bool
        package var forced: Bool
    }

    package var closed: [Invoice] = []
    /// (OB, period) pairs asked for that are not ready (close them with force).
    package var notReady: [String] = []
    package var errors: [String] = []

    package enum CodingKeys: String, CodingKey {
        case closed
        case notReady = "not_ready"
        case errors
    }
}
