import Configuration

extension DaemonConfiguration {
    /// The quarantine's active segment: `quarantine.file`, default `<state.dir>/quarantine.jsonl`.
    package var quarantinePath: String { quarantineFile ?? stateDir + "/quarantine.jsonl" }
}

extension QuarantineLimits {
    /// `quarantine.max_file_bytes`, `quarantine.max_files`, `quarantine.max_value_bytes`.
    init(reader config: ConfigReader) {
        typealias Keys = ConfigurationKeys
        self.init(
            // validate-config reports values under the minimum; the daemon holds them to it.
            maxFileBytes: max(4096, config.defaultedInt(Keys.quarantineMaxFileBytes)),
            maxFiles: max(2, config.defaultedInt(Keys.quarantineMaxFiles)),
            maxValueBytes: max(1024, config.defaultedInt(Keys.quarantineMaxValueBytes)))
    }
}
