/// Everything needed to close one OB's invoice for one period: frozen aggregates, provenance and names.
///
/// The daemon maps its aggregates into this value; Invoicing does not depend on Aggregation.
public struct InvoiceInput: Sendable, Hashable {
    /// One audit aggregate row: queries per (component, app, service).
    public struct UsageRow: Sendable, Hashable {
        public var component: String
        public var app: String?
        public var service: String
        public var queries: Int64
        public init(component: String, app: String?, service: String, queries: Int64) {
            self.component = component
            self.app = app
            self.service = service
            self.queries = queries
        }
    }

    /// One gateway aggregate row: messages per app.
    public struct RequestRow: Sendable, Hashable {
        public var app: String?
        public var messages: Int64
        public var nlpMessages: Int64
        public init(app: String?, messages: Int64, nlpMessages: Int64) {
            self.app = app
            self.messages = messages
            self.nlpMessages = nlpMessages
        }
    }

    /// Late queries of an already closed period, billed as an adjustment (docs/spec.md §6).
    public struct LateRow: Sendable, Hashable {
        /// The closed period the events belong to (`YYYY-MM`).
        public var originalPeriod: String
        public var component: String
        /// Queries of the component already invoiced for that period (all apps).
        public var originalQueries: Int64
        /// Queries that arrived after the close.
        public var lateQueries: Int64
        public init(originalPeriod: String, component: String, originalQueries: Int64, lateQueries: Int64) {
            self.originalPeriod = originalPeriod
            self.component = component
            self.originalQueries = originalQueries
            self.lateQueries = lateQueries
        }
    }

    /// Event counts recorded in the manifest.
    public struct Counts: Sendable, Hashable, Codable {
        public var records: Int64
        public var duplicates: Int64
        public var late: Int64
        public var quarantined: Int64
        public init(records: Int64 = 0, duplicates: Int64 = 0, late: Int64 = 0, quarantined: Int64 = 0) {
            self.records = records
            self.duplicates = duplicates
            self.late = late
            self.quarantined = quarantined
        }
    }

    /// Display names from the dimension snapshots; raw ids are printed where a name is unknown.
    public struct Names: Sendable, Hashable {
        public var components: [String: String]
        public var apps: [String: String]
        /// Country names by OB code (`D_Gbl_Country`).
        public var countries: [String: String]
        public init(components: [String: String] = [:], apps: [String: String] = [:], countries: [String: String] = [:])
        {
            self.components = components
            self.apps = apps
            self.countries = countries
        }
    }

    public var ob: String
    /// `YYYY-MM`.
    public var period: String
    public var usage: [UsageRow]
    public var requests: [RequestRow]
    public var lateAdjustments: [LateRow]
    public var inputs: InvoiceInputs
    public var counts: Counts
    public var names: Names
    /// Closed before the period was ready (`--force`).
    public var forced: Bool
    /// IANA time zone the period was cut in (printed with the period); nil: the catalog's, if any.
    public var timeZone: String?
    /// The number recorded with the close; nil for closes recorded before numbering existed.
    public var invoiceNumber: InvoiceNumber?

    public init(
        ob: String, period: String, usage: [UsageRow] = [], requests: [RequestRow] = [],
        lateAdjustments: [LateRow] = [], inputs: InvoiceInputs = InvoiceInputs(),
        counts: Counts = Counts(), names: Names = Names(), forced: Bool = false, timeZone: String? = nil,
        invoiceNumber: InvoiceNumber? = nil
    ) {
        self.timeZone = timeZone
        self.invoiceNumber = invoiceNumber
        self.ob = ob
        self.period = period
        self.usage = usage
        self.requests = requests
        self.lateAdjustments = lateAdjustments
        self.inputs = inputs
        self.counts = counts
        self.names = names
        self.forced = forced
    }
}
