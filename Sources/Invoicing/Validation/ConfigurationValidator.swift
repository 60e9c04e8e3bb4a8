import Foundation
import Yams

/// Minimal checks of the daemon's YAML configuration file (spec §11): YAML syntax, known top-level
/// sections, and the types of the known keys. Every problem carries `file:line`.
package struct ConfigurationValidator {
    /// Result of validating one configuration file.
    package struct Report: Sendable {
        package var problems: [CatalogProblem]
        /// `tariffs.path`, when set (resolved against the file's folder by `validate(path:)`).
        package var tariffsPath: String?
    }

    enum Kind {
        case string, positiveInteger, nonNegativeInteger, boolean, mapping, scalarMapping, stringOrList
        case oneOf([String])

        var expectation: String {
            switch self {
            case .string: "a string"
            case .positiveInteger: "a positive integer"
            case .nonNegativeInteger: "a non-negative integer"
            case .boolean: "true or false"
            case .mapping: "a mapping"
            case .scalarMapping: "a mapping of scalar values"
            case .stringOrList: "a string or a list of strings"
            case .oneOf(let values): "one of " + values.joined(separator: ", ")
            }
        }
    }

    /// Known keys by dotted path; sections not listed here are reported as unknown.
    static let schema: [String: Kind] = [
        "kafka": .mapping, "kafka.brokers": .stringOrList, "kafka.group_id": .string, "kafka.topics": .mapping,
        "kafka.topics.audit": .string, "kafka.topics.gateway": .string, "kafka.security": .mapping,
        "kafka.properties": .scalarMapping,
        "schemas": .mapping, "schemas.registry_url": .string, "schemas.files": .scalarMapping,
        "state": .mapping, "state.dir": .string,
        "checkpoint": .mapping, "checkpoint.interval_seconds": .positiveInteger, "checkpoint.interval_events": .positiveInteger,
        "periods": .mapping, "periods.grace_hours": .nonNegativeInteger, "periods.auto_close": .boolean,
        "tariffs": .mapping, "tariffs.path": .string,
        "dimensions": .mapping, "dimensions.dir": .string,
        "invoices": .mapping, "invoices.dir": .string,
        "delivery": .mapping, "quarantine": .mapping,
        "http": .mapping, "http.address": .string,
        "admin": .mapping, "admin.token_file": .string,
        "log": .mapping, "log.level": .oneOf(["trace", "debug", "info", "notice", "warning", "error", "critical"]),
    ]
    /// Sections whose sub-keys are free-form (passed through or owned by their subsystem).
    static let openSections: Set = ["kafka.security", "kafka.properties", "schemas.files", "delivery", "quarantine"]

    package init() {}

    /// Validates the configuration file at `path`.
    package func validate(path: String) -> Report {
        guard let data = FileManager.default.contents(atPath: path) else {
            return Report(problems: [CatalogProblem(file: path, line: 0, message: "cannot read the configuration file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return Report(problems: [CatalogProblem(file: path, line: 0, message: "the configuration file is not UTF-8")])
        }
        var report = validate(yaml: text, file: path)
        // Relative paths in the configuration are relative to the configuration file's folder.
        if let tariffs = report.tariffsPath, !tariffs.hasPrefix("/") {
            report.tariffsPath = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(tariffs)
        }
        return report
    }

    /// Validates configuration YAML text; `file` names it in problems.
    package func validate(yaml: String, file: String) -> Report {
        var problems: [CatalogProblem] = []
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            return Report(problems: [CatalogProblem(file: file, line: TariffCatalogParser.line(of: error), message: TariffCatalogParser.message(of: error))])
        } catch {
            return Report(problems: [CatalogProblem(file: file, line: 0, message: "YAML syntax: \(error)")])
        }
        guard let root, root.mapping != nil else {
            return Report(problems: [CatalogProblem(file: file, line: root?.mark?.line ?? 0,
                                                    message: "expected a mapping of sections (kafka, state, tariffs, ...)")])
        }
        walk(root, path: "", file: file, problems: &problems)
        let tariffs = root["tariffs"]?["path"]?.scalar?.string
        return Report(problems: problems, tariffsPath: tariffs)
    }

    private func walk(_ node: Node, path: String, file: String, problems: inout [CatalogProblem]) {
        guard let mapping = node.mapping else { return }
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { continue }
            let full = path.isEmpty ? name : path + "." + name
            guard let kind = Self.schema[full] else {
                if !Self.openSections.contains(path) {
                    let siblings = Self.schema.keys.filter { candidate in
                        let parent = candidate.split(separator: ".").dropLast().joined(separator: ".")
                        return parent == path
                    }.map { $0.split(separator: ".").last.map(String.init) ?? $0 }.sorted()
                    problems.append(CatalogProblem(file: file, line: key.mark?.line ?? 0,
                        message: "unknown key '\(full)'; expected one of \(siblings.joined(separator: ", "))"))
                }
                continue
            }
            if !check(value, kind) {
                problems.append(CatalogProblem(file: file, line: value.mark?.line ?? key.mark?.line ?? 0,
                                               message: "\(full) must be \(kind.expectation)"))
                continue
            }
            if case .mapping = kind, !Self.openSections.contains(full) {
                walk(value, path: full, file: file, problems: &problems)
            }
        }
    }

    private func check(_ node: Node, _ kind: Kind) -> Bool {
        switch kind {
        case .string:
            return node.scalar.map { !$0.string.isEmpty } ?? false
        case .positiveInteger:
            return node.scalar.flatMap { Int($0.string) }.map { $0 > 0 } ?? false
        case .nonNegativeInteger:
            return node.scalar.flatMap { Int($0.string) }.map { $0 >= 0 } ?? false
        case .boolean:
            return node.scalar.map { ["true", "false"].contains($0.string.lowercased()) } ?? false
        case .mapping:
            return node.mapping != nil
        case .scalarMapping:
            return node.mapping?.allSatisfy { $0.value.scalar != nil } ?? false
        case .stringOrList:
            if node.scalar != nil { return true }
            return node.sequence?.allSatisfy { $0.scalar != nil } ?? false
        case .oneOf(let values):
            return node.scalar.map { values.contains($0.string) } ?? false
        }
    }
}
