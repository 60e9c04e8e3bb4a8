import Foundation

/// The running invoice of one (OB, period): the invoice as the close would write it now, marked
/// provisional, with how fresh its figures are and when the period can close. The JSON of
/// `GET /v1/invoices/preview` and `aura-billing preview --format json`; amounts are decimal
/// strings rounded as on the invoice.
package struct InvoicePreview: Codable, Sendable, Equatable {
    /// One invoice line, in the order of the workbook: components, requests, monthly fee,
    /// adjustments (late events of earlier periods), minimum top-up.
    package struct Line: Codable, Sendable, Equatable {
        /// `component`, `requests`, `monthly_fee`, `adjustment` or `minimum_top_up`.
        package var kind: String
        /// Component ID (components and adjustments).
        package var component: String?
        package var name: String?
        /// Queries (components), late queries (adjustments) or messages (requests).
        package var quantity: Int64?
        /// `unit`, `graduated` or `volume` (components).
        package var pricing: String?
        /// Blank when tiered.
        package var unitPrice: String?
        /// The earlier period a late adjustment belongs to.
        package var originalPeriod: String?
        package var amount: String

        package enum CodingKeys: String, CodingKey {
            case kind, component, name, quantity, pricing, amount
            case unitPrice = "unit_price"
            case originalPeriod = "original_period"
        }
    }

    /// The invoice's totals, as the manifest's.
    package struct Totals: Codable, Sendable, Equatable {
        package var components: String
        package var requests: String
        package var monthlyFee: String
        package var adjustments: String
        package var minimum: String
        package var minimumTopUp: String
        package var total: String

        package enum CodingKeys: String, CodingKey {
            case components, requests, adjustments, minimum, total
            case monthlyFee = "monthly_fee"
            case minimumTopUp = "minimum_top_up"
        }
    }

    /// One source partition's progress in the state priced.
    package struct PartitionFreshness: Codable, Sendable, Equatable {
        package var topic: String
        package var partition: Int32
        /// Latest event time (UTC, ISO 8601); nil before the first event.
        package var watermark: String?
        package var nextOffset: Int64?
        /// Messages behind the broker's high watermark; nil while unknown.
        package var lag: Int64?

        package enum CodingKeys: String, CodingKey {
            case topic, partition, watermark, lag
            case nextOffset = "next_offset"
        }
    }

    /// How fresh the figures are.
    package struct Freshness: Codable, Sendable, Equatable {
        /// `live` (the consumer's partitions) or `changelog` (scale-out).
        package var source: String
        /// When the state priced was taken (UTC).
        package var asOf: String
        /// When the last checkpoint was taken (UTC); scaled out, the newest changelog state.
        package var lastCheckpoint: String?
        package var partitions: [PartitionFreshness]

        package enum CodingKeys: String, CodingKey {
            case source, partitions
            case asOf = "as_of"
            case lastCheckpoint = "last_checkpoint"
        }
    }

    /// When the period can close, by the close's own rule (`ClosePlan`).
    package struct Readiness: Codable, Sendable, Equatable {
        /// A close without `force` would take it now.
        package var ready: Bool
        /// Already closed: later events are billed on the next period's invoice.
        package var closed: Bool
        /// Period end in the OB's zone plus the grace (UTC): every partition's watermark (or
        /// the wall clock, for a partition caught up) must reach it.
        package var readyAt: String?
        /// What holds it back: the close's not-ready line, then each partition behind `ready_at`.
        package var blockedBy: [String]

        package enum CodingKeys: String, CodingKey {
            case ready, closed
            case readyAt = "ready_at"
            case blockedBy = "blocked_by"
        }
    }

    package var ob: String
    package var period: String
    package var currency: String
    /// Always true: the figures change until the period is closed.
    package var provisional: Bool
    package var country: String
    package var timeZone: String?
    package var catalogVersion: String
    package var totalQueries: Int64
    package var totalRequests: Int64
    package var lines: [Line]
    package var totals: Totals
    /// `totals.total`, the amount due.
    package var total: String
    package var freshness: Freshness
    package var readiness: Readiness

    package enum CodingKeys: String, CodingKey {
        case ob, period, currency, provisional, country, lines, totals, total, freshness, readiness
        case timeZone = "time_zone"
        case catalogVersion = "catalog_version"
        case totalQueries = "total_queries"
        case totalRequests = "total_requests"
    }

    /// JSON with sorted keys and a final newline.
    package func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// `ms` since the epoch as `2026-11-01T05:00:00Z`.
    static func utc(_ ms: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
