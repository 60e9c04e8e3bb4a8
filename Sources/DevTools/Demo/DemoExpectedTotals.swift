import StreamDaemon

/// What a correct pipeline must report for a generated month, counted by the generator itself as
/// it emitted the messages (independently of any decoder).
///
/// Definitions (the same as the shared test data generator's truth files):
/// - groups count *unique* rows: an audit row is identified by (INTERACTION_ID,
///   AURA_COMPONENT_ID), a gateway message by MESSAGE_ID; the first copy counts, every later
///   copy is a duplicate;
/// - a row's period is the calendar month of its instant in its OB's time zone, whatever offset
///   its timestamp string was written with;
/// - late rows are the unique rows whose period is the month before the target month; they are
///   emitted after the OB's watermark has moved well into the target month;
/// - corrupt messages are in no group and must be quarantined.
struct DemoExpectedTotals: Sendable {
    /// Unique audit rows of one (OB, period, component, app, service).
    struct AuditGroup: Sendable, Equatable {
        var ob: String
        var period: String
        var component: String
        var app: String?
        var service: String
        var queries: Int
    }

    /// Unique gateway messages of one (OB, period, app, component, NLP indicator).
    struct GatewayGroup: Sendable, Equatable {
        var ob: String
        var period: String
        var app: String?
        var component: String?
        var nlp: Bool
        var messages: Int
    }

    /// What the invoice's Requests sheet shows: messages and NLP messages per (OB, period, app).
    struct RequestGroup: Sendable, Equatable {
        var ob: String
        var period: String
        var app: String?
        var messages: Int
        var nlpMessages: Int
    }

    /// Per topic: every message, duplicates/corrupt/late included.
    struct TopicTotals: Sendable, Equatable {
        var messages: Int
        /// Re-sent copies of an earlier valid message.
        var duplicates: Int
        /// Unique rows of the month before the target month.
        var late: Int
        /// Damaged frames (in no group).
        var corrupt: Int
        /// Valid frames: `messages - corrupt`.
        var valid: Int { messages - corrupt }
        /// Unique valid rows: `valid - duplicates`.
        var unique: Int { valid - duplicates }
        /// The shared generator's order-independent `peer_check` checksum over every valid row
        /// (duplicates included) grouped by (OB, first 7 characters of the timestamp,
        /// component, app): sum of fnv1a64("OB\tYYYY-MM\tCOMPONENT\tAPP") × count mod 2^64.
        var peerChecksum: UInt64
        var peerGroups: Int
    }

    /// The target month, `YYYY-MM`.
    var month: String
    var seed: UInt64
    /// OB code → IANA time zone used for periods.
    var timeZones: [String: String]
    var audit: TopicTotals
    var gateway: TopicTotals
    /// Sorted by (OB, period, component, app, service), null app first.
    var auditGroups: [AuditGroup]
    /// Sorted by (OB, period, app, component, NLP), nulls first.
    var gatewayGroups: [GatewayGroup]
    /// Corrupt messages per `DemoMessage.Corruption` raw value.
    var corruptByKind: [String: Int]

    /// Messages and NLP messages per (OB, period, app), sorted, derived from `gatewayGroups`.
    var requestGroups: [RequestGroup] {
        var rows: [RequestGroup] = []
        for g in gatewayGroups {
            if let last = rows.last, last.ob == g.ob, last.period == g.period, last.app == g.app {
                rows[rows.count - 1].messages += g.messages
                rows[rows.count - 1].nlpMessages += g.nlp ? g.messages : 0
            } else {
                rows.append(
                    RequestGroup(
                        ob: g.ob, period: g.period, app: g.app, messages: g.messages,
                        nlpMessages: g.nlp ? g.messages : 0))
            }
        }
        return rows
    }

    /// Unique audit queries per (OB, period), sorted by OB then period.
    var queriesByOBPeriod: [(ob: String, period: String, queries: Int)] {
        var rows: [(ob: String, period: String, queries: Int)] = []
        for g in auditGroups {
            if let last = rows.last, last.ob == g.ob, last.period == g.period {
                rows[rows.count - 1].queries += g.queries
            } else {
                rows.append((g.ob, g.period, g.queries))
            }
        }
        return rows
    }

    /// Python's ordering of the truth files: tuples of strings, null as "", booleans as
    /// "True"/"False", compared element by element in code-point order.
    static func precedes(_ a: [String?], _ b: [String?]) -> Bool {
        for (x, y) in zip(a, b) {
            let xs = Array((x ?? "").utf8)
            let ys = Array((y ?? "").utf8)
            if xs != ys { return xs.lexicographicallyPrecedes(ys) }
        }
        return a.count < b.count
    }
}
