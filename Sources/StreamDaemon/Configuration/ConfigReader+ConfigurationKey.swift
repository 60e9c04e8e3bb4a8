import Configuration

/// Reads by `ConfigurationKey`, with the key's declared default: the environment first, then
/// the file, then the default (swift-configuration's provider order).
extension ConfigReader {
    /// The value of an optional key; nil when unset.
    func string(_ key: ConfigurationKey) -> String? {
        string(forKey: ConfigKey(key.path))
    }

    /// The value of an optional key, with an empty string counting as unset.
    func nonEmptyString(_ key: ConfigurationKey) -> String? {
        string(key).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The value of a key with a built-in default.
    func defaultedString(_ key: ConfigurationKey) -> String {
        string(forKey: ConfigKey(key.path), default: key.defaultText)
    }

    /// The value of an integer key with a built-in default.
    func defaultedInt(_ key: ConfigurationKey) -> Int {
        int(forKey: ConfigKey(key.path), default: key.defaultInteger)
    }

    /// The value of a boolean key with a built-in default.
    func defaultedBool(_ key: ConfigurationKey) -> Bool {
        bool(forKey: ConfigKey(key.path), default: key.defaultBoolean)
    }

    /// The non-empty value of a required key, or the error the daemon stops with.
    func required(_ key: ConfigurationKey, source: String) throws -> String {
        guard let value = nonEmptyString(key) else {
            throw DaemonError(.configuration, "missing required key `\(key.path)`", source: source)
        }
        return value
    }
}
