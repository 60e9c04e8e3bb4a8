/// One key of the daemon's YAML configuration: its dotted path, the kind of value it takes, its
/// built-in default, its environment variable and a one-line description. `ConfigurationKeys.all`
/// lists every key once; the reader (`DaemonConfiguration`), the validator
/// (`ConfigurationValidator`, behind `aura-billing validate-config`) and the tests of
/// deploy/config.yaml and deploy/ENVIRONMENT.md all work from that list.
package struct ConfigurationKey: Sendable, Hashable {
    /// What a value must look like.
    package enum Kind: Sendable, Hashable {
        /// A non-empty string.
        case string
        /// An integer of at least `minimum`.
        case integer(minimum: Int)
        /// `true` or `false`.
        case boolean
        /// One of `values`; the reader upper-cases the value first when `caseSensitive` is false.
        case choice([String], caseSensitive: Bool)
        /// An ISO 8601 UTC instant such as `2026-11-01T00:05:00Z`.
        case instant
        /// An open-ended mapping of scalars passed through as they are; its entries are
        /// documented as `<path>.<entry>`. `integerKeys`: the entry names are integers.
        case map(entry: String, integerKeys: Bool)

        /// The expectation, as validation messages phrase it ("… must be a string").
        package var expectation: String {
            switch self {
            case .string: "a string"
            case .integer(let minimum) where minimum == 0: "a non-negative integer"
            case .integer(let minimum) where minimum == 1: "a positive integer"
            case .integer(let minimum): "an integer of at least \(minimum)"
            case .boolean: "true or false"
            case .choice(let values, _): "one of " + values.joined(separator: ", ")
            case .instant: "an ISO 8601 UTC instant like 2026-11-01T00:05:00Z"
            case .map(_, let integerKeys):
                integerKeys ? "a mapping of integer ids to scalar values" : "a mapping of scalar values"
            }
        }
    }

    /// Whether a key must be set, and what applies when it is not.
    package enum Requirement: Sendable, Hashable {
        /// The daemon refuses to start without it (from the file or the environment).
        case required
        /// Unset means "not used"; commented out in deploy/config.yaml.
        case optional
        /// The built-in default, written as in YAML.
        case defaulted(String)
        /// A default computed from other keys, described (e.g. `<state.dir>/invoices`).
        case derived(String)
    }

    /// The dotted key path, e.g. `periods.grace_hours`.
    package let path: String
    package let kind: Kind
    package let requirement: Requirement
    /// The variable that overrides the key (swift-configuration's convention: `kafka.group_id`
    /// → `KAFKA_GROUP_ID`); nil for keys that can only be set in the file.
    package let environmentVariable: String?
    /// One line for people: what the key does.
    package let doc: String

    /// A key; `environment: false` for keys that only the file can set.
    init(_ path: String, _ kind: Kind, _ requirement: Requirement, environment: Bool = true, _ doc: String) {
        self.path = path
        self.kind = kind
        self.requirement = requirement
        self.environmentVariable = environment ? String(path.uppercased().map { $0 == "." ? "_" : $0 }) : nil
        self.doc = doc
    }

    /// The key as deploy/ENVIRONMENT.md names it: the path, or `<path>.<entry>` for a map.
    package var documentedPath: String {
        if case .map(let entry, _) = kind { return "\(path).<\(entry)>" }
        return path
    }

    /// The default as deploy/ENVIRONMENT.md states it: the value, `required` or `unset`.
    package var documentedDefault: String {
        switch requirement {
        case .required: "required"
        case .optional: "unset"
        case .defaulted(let value), .derived(let value): value
        }
    }

    /// The built-in default of a `.defaulted` key.
    var defaultText: String {
        // Invariant: the reader asks for a default only of keys that `ConfigurationKeys`
        // declares `.defaulted` (a test checks every default against its own kind).
        guard case .defaulted(let value) = requirement else {
            preconditionFailure("configuration key \(path) has no built-in default")
        }
        return value
    }

    /// The built-in default of a `.defaulted` integer key.
    var defaultInteger: Int {
        // Invariant: the declared default of an integer key is an integer (tested).
        guard let value = Int(defaultText) else { preconditionFailure("default of \(path) is not an integer") }
        return value
    }

    /// The built-in default of a `.defaulted` boolean key.
    var defaultBoolean: Bool { defaultText == "true" }
}
