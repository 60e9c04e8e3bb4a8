import Foundation
package import Invoicing
import Yams

/// Checks a daemon configuration file against `ConfigurationKeys` (docs/spec.md §11): YAML syntax, unknown
/// keys, values of the wrong kind and missing required keys. Every problem carries `file:line`
/// (line 0 for a key that is missing altogether). `aura-billing validate-config` runs it.
package struct ConfigurationValidator: Sendable {
    /// Result of validating one configuration file.
    package struct Report: Sendable {
        package var problems: [CatalogProblem]
        /// `tariffs.path`, when set: by `validate(path:)`, its `TARIFFS_PATH` override or the
        /// file's value resolved against the file's folder.
        package var tariffsPath: String?
        /// The known keys the file sets (dotted paths; a map such as `kafka.properties` counts once).
        package var keys: Set<String> = []
    }

    /// The known keys by dotted path.
    private let keys: [String: ConfigurationKey]
    /// Every section (proper prefix of a key path), e.g. `kafka`, `kafka.security.oauth`.
    private let sections: Set<String>
    /// Where required keys may come from instead of the file.
    private let environment: [String: String]

    /// A validator of `keys`; a required key set in `environment` (its variable) may be absent
    /// from the file.
    package init(keys: [ConfigurationKey] = ConfigurationKeys.all, environment: [String: String] = [:]) {
        self.keys = Dictionary(keys.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        var sections: Set<String> = []
        for key in keys {
            let components = key.path.split(separator: ".")
            for end in 1..<components.count { sections.insert(components[..<end].joined(separator: ".")) }
        }
        self.sections = sections
        self.environment = environment
    }

    /// Validates the configuration file at `path`.
    package func validate(path: String) -> Report {
        guard let data = FileManager.default.contents(atPath: path) else {
            return Report(problems: [CatalogProblem(file: path, line: 0, message: "cannot read the configuration file")]
            )
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return Report(problems: [
                CatalogProblem(file: path, line: 0, message: "the configuration file is not UTF-8")
            ])
        }
        var report = validate(yaml: text, file: path)
        // The environment overrides the file, as it does for the daemon.
        if let tariffs = ConfigurationKeys.tariffsPath.environmentVariable.flatMap({ environment[$0] }),
            !tariffs.isEmpty
        {
            report.tariffsPath = tariffs
        } else if let tariffs = report.tariffsPath, !tariffs.hasPrefix("/") {
            // Relative paths in the configuration are relative to the configuration file's folder.
            report.tariffsPath = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(
                tariffs)
        }
        return report
    }

    /// Validates configuration YAML text; `file` names it in problems.
    package func validate(yaml: String, file: String) -> Report {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            return Report(problems: [.yamlSyntax(error, file: file)])
        }
        guard let root, root.mapping != nil else {
            return Report(problems: [
                CatalogProblem(
                    file: file, line: root?.mark?.line ?? 0,
                    message: "expected a mapping of sections (kafka, state, tariffs, ...)")
            ])
        }
        var report = Report(problems: [], tariffsPath: root["tariffs"]?["path"]?.scalar?.string)
        walk(root, path: "", file: file, into: &report)
        report.problems += missingRequiredKeys(root, file: file)
        if !report.problems.contains(where: { $0.message.hasPrefix("events.") }) {
            report.problems += eventsProblems(root, file: file)
        }
        return report
    }

    /// The rules between the `events.*` keys (`DaemonConfiguration.Events.problems`), at the
    /// line of the `events` section; the environment overrides the file as for the daemon.
    private func eventsProblems(_ root: Node, file: String) -> [CatalogProblem] {
        typealias Keys = ConfigurationKeys
        let section = root["events"]
        func value(_ key: ConfigurationKey) -> String? {
            if let variable = key.environmentVariable, let value = environment[variable], !value.isEmpty {
                return value
            }
            let name = String(key.path.dropFirst("events.".count))
            guard let text = section?[name]?.scalar?.string, !text.isEmpty else { return nil }
            return text
        }
        let messages = DaemonConfiguration.Events.problems(
            topic: value(Keys.eventsTopic), schemaID: value(Keys.eventsSchemaID).flatMap { Int($0) },
            webhookURL: value(Keys.eventsWebhookURL), secretFile: value(Keys.eventsWebhookSecretFile),
            retryInitial: value(Keys.eventsRetryInitialSeconds).flatMap { Int($0) }
                ?? Keys.eventsRetryInitialSeconds.defaultInteger,
            retryMax: value(Keys.eventsRetryMaxSeconds).flatMap { Int($0) } ?? Keys.eventsRetryMaxSeconds.defaultInteger
        )
        let line = root.mapping?.first { $0.key.scalar?.string == "events" }?.key.mark?.line ?? 0
        return messages.map { CatalogProblem(file: file, line: line, message: $0) }
    }

    private func walk(_ node: Node, path: String, file: String, into report: inout Report) {
        guard let mapping = node.mapping else { return }
        for (keyNode, value) in mapping {
            guard let name = keyNode.scalar?.string else { continue }
            let full = path.isEmpty ? name : path + "." + name
            let line = value.mark?.line ?? keyNode.mark?.line ?? 0
            if let key = keys[full] {
                report.keys.insert(full)
                if !Self.check(value, key.kind) {
                    report.problems.append(
                        CatalogProblem(file: file, line: line, message: "\(full) must be \(key.kind.expectation)"))
                }
            } else if sections.contains(full) {
                guard value.mapping != nil else {
                    report.problems.append(CatalogProblem(file: file, line: line, message: "\(full) must be a mapping"))
                    continue
                }
                walk(value, path: full, file: file, into: &report)
            } else {
                report.problems.append(
                    CatalogProblem(
                        file: file, line: keyNode.mark?.line ?? 0,
                        message: "unknown key '\(full)'; expected one of \(children(of: path).joined(separator: ", "))")
                )
            }
        }
    }

    /// The names that may appear in the section at `path` ("" for the top level).
    private func children(of path: String) -> [String] {
        let prefix = path.isEmpty ? "" : path + "."
        let names = (Array(keys.keys) + sections).compactMap { candidate -> String? in
            guard candidate.hasPrefix(prefix) else { return nil }
            let rest = candidate.dropFirst(prefix.count)
            return rest.contains(".") ? nil : String(rest)
        }
        return Set(names).sorted()
    }

    /// Required keys that neither the file nor their environment variable sets.
    private func missingRequiredKeys(_ root: Node, file: String) -> [CatalogProblem] {
        keys.values.filter { $0.requirement == .required }.sorted { $0.path < $1.path }.compactMap { key in
            var node: Node? = root
            for component in key.path.split(separator: ".") { node = node?[String(component)] }
            if let value = node?.scalar?.string, !value.isEmpty { return nil }
            if node != nil { return nil }  // present with a wrong value: reported by the walk
            if let variable = key.environmentVariable, let value = environment[variable], !value.isEmpty { return nil }
            let alternative = key.environmentVariable.map { " (or set \($0))" } ?? ""
            return CatalogProblem(file: file, line: 0, message: "missing required key '\(key.path)'\(alternative)")
        }
    }

    /// Whether `node` is a value of `kind`.
    private static func check(_ node: Node, _ kind: ConfigurationKey.Kind) -> Bool {
        switch kind {
        case .string:
            return node.scalar.map { !$0.string.isEmpty } ?? false
        case .integer(let minimum):
            return node.scalar.flatMap { Int($0.string) }.map { $0 >= minimum } ?? false
        case .boolean:
            return node.scalar.map { ["true", "false"].contains($0.string.lowercased()) } ?? false
        case .choice(let values, let caseSensitive):
            return node.scalar.map { values.contains(caseSensitive ? $0.string : $0.string.uppercased()) } ?? false
        case .instant:
            return node.scalar.flatMap { ISO8601DateFormatter().date(from: $0.string) } != nil
        case .map(_, let integerKeys):
            return node.mapping?.allSatisfy { entry in
                entry.value.scalar != nil && (!integerKeys || entry.key.scalar.flatMap { Int32($0.string) } != nil)
            } ?? false
        }
    }
}
