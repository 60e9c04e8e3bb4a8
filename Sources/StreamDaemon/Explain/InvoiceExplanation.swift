import Invoicing

/// What `aura-billing explain` and `GET /v1/invoices/explain` answer: each line of one OB's
/// invoice for one period with the quantities behind it (per app and service, per local day),
/// the price bands that turn the quantity into the amount, the late events in it and the inputs
/// the aggregates came from. Every breakdown adds up exactly to its line: Σ per app/service =
/// Σ per day (+ `days_unknown`) = `quantity`, and Σ bands (− Σ `bands_before`) = `exact_amount`,
/// which rounded half-even to the currency is `amount`. Encoded with snake_case keys.
package struct InvoiceExplanation: Codable, Sendable, Equatable {
    /// A price band as applied: `quantity` units at `unit_price` make `amount` (exact, 6 decimals).
    package struct Band: Codable, Sendable, Equatable {
        package var from: Int64
        package var through: Int64
        /// The band's bound in the price list; nil for an open band or a unit price.
        package var upTo: Int64?
        package var quantity: Int64
        package var unitPrice: String
        package var amount: String
    }

    /// The quantity of one (app, service); `service` is nil on the requests line.
    package struct AppService: Codable, Sendable, Equatable {
        package var app: String?
        package var appName: String?
        package var service: String?
        package var quantity: Int64
    }

    /// Unique events of one local day (`YYYY-MM-DD` in the OB's zone, in the events' own period).
    package struct Day: Codable, Sendable, Equatable {
        package var date: String
        package var quantity: Int64
    }

    /// Late events in a line: they belong to `original_period`, closed before they arrived.
    package struct Late: Codable, Sendable, Equatable {
        package var originalPeriod: String
        package var quantity: Int64
    }

    /// Events of this period that arrived after its close, billed on the invoice of `billed_in`
    /// (not in this line's quantity).
    package struct BilledLater: Codable, Sendable, Equatable {
        package var billedIn: String
        package var quantity: Int64
    }

    /// One invoice line: a component, the requests, or a late adjustment.
    package struct Line: Codable, Sendable, Equatable {
        /// `component`, `requests` or `adjustment`.
        package var kind: String
        /// The component id; `requests` for the requests line.
        package var component: String
        package var name: String
        /// Adjustments: the period the late queries belong to.
        package var originalPeriod: String?
        /// Queries (messages on the requests line; late queries on an adjustment).
        package var quantity: Int64
        /// `unit`, `graduated` or `volume`.
        package var pricing: String
        package var bands: [Band]
        /// Adjustments: the bands of the queries already invoiced for the original period, priced
        /// with its catalog; the line is Σ bands − Σ bands_before.
        package var bandsBefore: [Band]?
        /// Adjustments: the queries already invoiced for the original period.
        package var originalQuantity: Int64?
        /// The unrounded amount, 6 decimals.
        package var exactAmount: String
        /// The line's amount on the invoice (rounded half-even to the currency).
        package var amount: String
        package var byAppService: [AppService]
        package var byDay: [Day]
        /// Events of the line whose day is no longer known (dedup keys dropped past the late horizon).
        package var daysUnknown: Int64
        package var late: [Late]
        package var lateBilledLater: [BilledLater]
    }

    /// Offsets `[first_offset, last_offset]` of one topic-partition.
    package struct OffsetRange: Codable, Sendable, Equatable {
        package var topic: String
        package var partition: Int32
        package var firstOffset: Int64
        package var lastOffset: Int64
    }

    /// A container file with its SHA-256 (empty when the file is gone).
    package struct InputFile: Codable, Sendable, Equatable {
        package var path: String
        package var sha256: String
    }

    /// Where the aggregates came from: Kafka offset ranges (daemon) or container files (replay).
    package struct Inputs: Codable, Sendable, Equatable {
        package var offsets: [OffsetRange]
        package var files: [InputFile]

        init(_ inputs: InvoiceInputs) {
            offsets = inputs.offsets.map {
                OffsetRange(
                    topic: $0.topic, partition: $0.partition, firstOffset: $0.firstOffset, lastOffset: $0.lastOffset)
            }
            files = inputs.files.map { InputFile(path: $0.path, sha256: $0.sha256) }
        }
    }

    package var ob: String
    package var period: String
    package var currency: String
    /// `closed` (an invoice was issued, or its close is recorded) or `open`.
    package var status: String
    /// True for an open period: the figures change as events arrive.
    package var provisional: Bool
    package var invoiceNumber: String?
    /// The manifest revision the figures were compared with (closed invoices with a manifest).
    package var revision: Int?
    /// The manifest's total (closed invoices with a manifest); equals `total`.
    package var manifestTotal: String?
    package var closedAt: String?
    package var timeZone: String?
    /// Every line, or the one `--component` selected.
    package var lines: [Line]
    package var monthlyFee: String
    package var minimumTopUp: String
    /// The invoice total: Σ line amounts + monthly fee + minimum top-up (all lines, also when one
    /// is selected).
    package var total: String
    /// Copies dropped as duplicates of events of this period (the state keeps them per period).
    package var duplicatesDropped: Int64
    /// Unique events of this period that arrived after it was closed (billed on later invoices).
    package var lateEvents: Int64
    package var inputs: Inputs
}
