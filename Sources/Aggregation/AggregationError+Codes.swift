extension AggregationError.Code {
    /// An event field is malformed (a timestamp that is not ISO-8601 with offset, ...).
    public static let malformedField = Self("malformed-field")
    /// An event time lies outside the window of months a `PeriodCalendar` covers.
    public static let timeOutOfRange = Self("time-out-of-range")
    /// An OB has no time zone and there is no fallback zone.
    public static let unknownTimeZone = Self("unknown-time-zone")
    /// A checkpoint's checksum does not match its content.
    public static let checksumMismatch = Self("checksum-mismatch")
    /// A checkpoint file ends before its declared content.
    public static let truncated = Self("truncated")
    /// A checkpoint file has no bytes at all.
    public static let emptyFile = Self("empty-file")
    /// A checkpoint was written by a newer format version than this build reads.
    public static let newerVersion = Self("newer-version")
    /// A checkpoint file does not start with the magic bytes, or its sections are inconsistent.
    public static let corrupt = Self("corrupt")
    /// No checkpoint exists.
    public static let missing = Self("missing")
    /// Kafka offsets exist but no valid checkpoint does: the daemon must not start.
    public static let refuseToStart = Self("refuse-to-start")
    /// A file-system call on the state directory failed.
    public static let io = Self("io")
    /// Two states cannot be merged (different time-zone tables, ...).
    public static let incompatibleStates = Self("incompatible-states")
    /// A state outgrew a hard limit (rows per state).
    public static let capacity = Self("capacity")
    /// An event of a closed period past its late horizon: not billed automatically (quarantined).
    public static let beyondLateHorizon = Self("beyond-late-horizon")
    /// A test hook stopped a replay abruptly (see `ReplayRunner.Options.crashAfterRecords`).
    public static let simulatedCrash = Self("simulated-crash")
    /// An event's id or name field is longer than `InputLimits.maxIDBytes` (the source names the field).
    public static let fieldTooLong = Self("field-too-long")
    /// An event's OB code (`COUNTRY_3_ALPHA_CD`) is not three ASCII capital letters.
    public static let badOBCode = Self("bad-ob-code")
    /// A new aggregate row was refused: the state holds `InputLimits.maxRows` rows already.
    public static let tooManyRows = Self("too-many-rows")
    /// A new string (OB, component or app id) was refused: the state holds `InputLimits.maxStrings` already.
    public static let tooManyStrings = Self("too-many-strings")
    /// Avro decoding of an event failed (wraps the Avro error text).
    public static let decode = Self("decode")
}
